"""Concurrent restocks never over-allocate (PostgreSQL only: SQLite serialises writers)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from oscar.core.loading import get_class

from oscar_backorders.allocation import allocate_free_stock
from oscar_backorders.supply.receiving import receive_line
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import PurchaseOrderFactory, inbound

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs BACKORDERS_TEST_DATABASE_URL pointing at PostgreSQL")


def waiting_queue(lines: int):
    Selector = get_class("partner.strategy", "Selector")
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    for n in range(lines):
        place(basket_with(Selector().strategy(), (product, 1)), number=f"C{n}")
    return product.stockrecords.get()


def run_in_threads(count: int, work):
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(index)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def allocated_units(record) -> int:
    return sum(bl.quantity_allocated for bl in record.backorder_lines.all())


def test_concurrent_allocations_never_give_more_than_is_free_when_stock_rises_once(today):
    record = waiting_queue(12)
    type(record).objects.filter(pk=record.pk).update(num_in_stock=5)
    errors = run_in_threads(8, lambda i: allocate_free_stock([record.pk], reason=f"thread {i}"))
    assert errors == []
    assert allocated_units(record) == 5
    assert record.backorder_lines.filter(status="allocated").count() == 5


def test_concurrent_receipts_allocate_exactly_what_arrived(today):
    record = waiting_queue(10)
    order = PurchaseOrderFactory()
    po_lines = [inbound(record, 1, dt.date(2026, 12, 1), order=order) for _ in range(6)]
    errors = run_in_threads(6, lambda i: receive_line(po_lines[i].pk, 1))
    assert errors == []
    record.refresh_from_db()
    assert record.num_in_stock == 6
    assert allocated_units(record) == 6
    # FIFO: the six oldest orders got the units.
    served = sorted(
        record.backorder_lines.filter(status="allocated").values_list("order__number", flat=True)
    )
    assert served == sorted(f"C{n}" for n in range(6))
