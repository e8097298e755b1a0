"""Nightly search reindex (example repository for the telemetry demo)."""

from shop.db.pool import Pool


def main() -> None:
    with Pool("postgresql:///shop").connection() as conn:
        conn.execute("select 1")
