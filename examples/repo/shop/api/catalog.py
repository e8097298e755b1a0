"""GET /api/catalog (example repository for the telemetry demo)."""

from __future__ import annotations

from typing import Any

from shop.cart import pricing


def list_prices(request: Any, products: list[Any]) -> list[dict[str, Any]]:
    prices = [pricing.price_for(p, request.region) for p in products]
    return [{"sku": p.sku, "price": str(price)} for p, price in zip(products, prices, strict=True)]
