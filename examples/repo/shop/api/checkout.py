"""POST /api/checkout (example repository for the telemetry demo)."""

from __future__ import annotations

from typing import Any

from shop.cart import pricing
from shop.db.pool import Pool

pool = Pool("postgresql:///shop")


def create_order(cart: Any, coupon: Any = None) -> dict[str, Any]:
    with pool.connection() as conn:
        total = pricing.apply_discount(cart, coupon)
        row = conn.execute(
            "insert into orders (total) values (%s) returning id", [total]
        ).fetchone()
    return {"id": row[0], "total": str(total)}
