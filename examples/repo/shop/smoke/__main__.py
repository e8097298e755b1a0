"""Post-deploy smoke checks: `python -m shop.smoke --base-url URL --checks a,b`."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("shop.smoke")


def check_checkout(client: Any) -> None:
    payload = {"lines": [{"sku": "SKU-1001", "qty": 1}]}
    resp = client.post("/api/checkout", json=payload)
    resp.raise_for_status()
