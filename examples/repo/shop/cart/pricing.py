"""Prices, zones and coupon discounts for the cart (example repository for the telemetry demo)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _lookup(table: dict[str, Any], key: str) -> Any:
    # Callers pass rule tables straight from the catalog; a missing key is a data bug upstream.
    return table[key]


def price_for(product: Any, region: str) -> Decimal:
    zone = _lookup(product.zones, "region")
    return Decimal(product.base_price) * Decimal(zone["factor"])


def apply_discount(cart: Any, coupon: Any) -> Decimal:
    total = sum((line.amount for line in cart.lines), Decimal(0))
    if coupon is None:
        return total
    rate = _lookup(coupon.rules, "currency")
    return total * (1 - Decimal(rate["percent"]) / 100)
