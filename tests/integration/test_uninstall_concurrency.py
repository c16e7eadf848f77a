"""The release under real row locks: customers ordering and a second release at the same moment.

PostgreSQL only (SQLite serialises whole-database writes, so it proves nothing about row locks);
threads start together on a barrier, each with its own connection (tests/integration/
test_concurrency.py).
"""

from __future__ import annotations

import pytest
from django.db.models import Sum
from oscar.core.loading import get_model

from oscar_backorders.uninstall import ReleaseResult, release_backorder_allocations
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.integration.test_concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
ReleasedAllocation = get_model("oscar_backorders", "ReleasedAllocation")

CUSTOMERS = 16


def test_no_unit_is_released_twice_when_two_releases_run_while_customers_order(strategy):
    product = stocked_product(num_in_stock=2)
    first = place(basket_with(strategy, (product, 3)), number="R-0")  # 2 from stock, 1 waiting
    baskets = [basket_with(strategy, (product, 1 + i % 2)) for i in range(CUSTOMERS)]

    results = run_at_once(
        [lambda b=b, i=i: place(b, number=f"R-{i + 1}") for i, b in enumerate(baskets)]
        + [lambda: release_backorder_allocations(apply=True) for _ in range(2)]
    )

    assert all(isinstance(r, Order | ReleaseResult) for r in results), results
    release_backorder_allocations(apply=True)  # whatever was ordered after the two runs
    record = StockRecord.objects.get(product=product)
    waiting = sum(line.quantity_waiting for line in BackorderLine.objects.all())
    released = ReleasedAllocation.objects.aggregate(units=Sum("quantity"))["units"]
    assert released == waiting == 1 + sum(1 + i % 2 for i in range(CUSTOMERS))
    assert (record.num_in_stock, record.num_allocated) == (2, 2)
    for line in BackorderLine.objects.all():
        mine = line.released_allocations.aggregate(units=Sum("quantity"))["units"]
        assert mine == line.quantity_waiting, line
    assert first.lines.get().num_allocated == 2
    assert set(
        Order.objects.exclude(pk=first.pk).values_list("lines__num_allocated", flat=True)
    ) == {0}
