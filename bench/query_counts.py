"""SQL queries per customer page, with the plugin and with plain Oscar, at 1 and 50 lines.

    python bench/query_counts.py            # or: make bench

Prints a Markdown table (the one in README's "Guarantees"). The walk itself is
``tests/budgets.py``, which the query-budget tests also use.
"""

from __future__ import annotations

import sys

from _setup import django_test_database

SIZES = (1, 50)


def main() -> int:
    with django_test_database():
        from django.db import connection

        from tests.budgets import table, walk

        in_stock = {(mode, n): walk(mode, n) for mode in ("plugin", "plain") for n in SIZES}
        backordered = {("plugin", n): walk("plugin", n, backordered=True) for n in SIZES}
        backordered.update({k: v for k, v in in_stock.items() if k[0] == "plain"})
        print(f"Query counts per page ({connection.vendor}); products in stock, with policies:\n")
        print(table(in_stock, SIZES))
        print("\nEvery line backordered (plain Oscar cannot sell these; its in-stock counts):\n")
        print(table(backordered, SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
