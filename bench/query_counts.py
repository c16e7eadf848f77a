"""SQL queries per customer page: plain Oscar, the plugin with no policy, the plugin with policies.

    python bench/query_counts.py            # or: make bench

Prints the Markdown tables of README's "Measured". Each shop is walked in its own process on
the same data (see ``tests/budgets.py``, which the query-budget tests also use); SQLite unless
``BACKORDERS_TEST_DATABASE_URL`` names a PostgreSQL server.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.budgets import SHOPS, measure_all, table  # noqa: E402

SIZES = (1, 50)


def main() -> int:
    vendor = "postgresql" if os.environ.get("BACKORDERS_TEST_DATABASE_URL") else "sqlite"
    found = measure_all([*((shop, SIZES, False) for shop in SHOPS), ("policies", SIZES, True)])
    in_stock = {(shop, n): c for (shop, n, backordered), c in found.items() if not backordered}
    print(f"Query counts per page ({vendor}); every product in stock:\n")
    print(table(in_stock, SIZES))
    backordered = {("plain", n): in_stock[("plain", n)] for n in SIZES}
    backordered.update({(shop, n): c for (shop, n, b), c in found.items() if b})
    print("\nEvery line backordered (plain Oscar cannot sell these; its in-stock counts):\n")
    print(table(backordered, SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
