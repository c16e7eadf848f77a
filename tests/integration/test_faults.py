"""Faults during placement and allocation: afterwards nothing is half-written and the counters agree."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection
from oscar.core.loading import get_model

from oscar_backorders.consistency import check_consistency
from oscar_backorders.placement import BackorderOrderCreatorMixin
from tests.factories import stocked_product
from tests.helpers import basket_with, place

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")


def assert_untouched(*products):
    assert not Order.objects.exists()
    assert not BackorderLine.objects.exists()
    for product in products:
        assert StockRecord.objects.get(product=product).num_allocated == 0
    report = check_consistency()
    assert report.ok, report.findings


@pytest.mark.django_db
def test_order_rolls_back_whole_when_writing_backorder_lines_fails(strategy, monkeypatch):
    in_stock = stocked_product(num_in_stock=5, cap=None)
    backordered = stocked_product(num_in_stock=0, cap=3)
    basket = basket_with(strategy, (in_stock, 2), (backordered, 2))

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(BackorderLine._default_manager, "bulk_create", broken)
    with pytest.raises(DatabaseError, match="disk full"):
        place(basket, number="F1")
    assert_untouched(in_stock, backordered)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_is_half_written_when_the_database_connection_drops_mid_placement(
    strategy, monkeypatch
):
    product = stocked_product(num_in_stock=1, cap=5)
    basket = basket_with(strategy, (product, 3))
    reached, resume = threading.Event(), threading.Event()
    backend: list[int] = []
    outcome: list[object] = []
    original = BackorderOrderCreatorMixin._write_backorder_lines

    def paused(self):
        # Stock is allocated (and the row locked) but the backorder line is not written yet.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend.append(cursor.fetchone()[0])
        reached.set()
        resume.wait(30)
        return original(self)

    monkeypatch.setattr(BackorderOrderCreatorMixin, "_write_backorder_lines", paused)

    def customer():
        try:
            outcome.append(place(basket, number="F2"))
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=customer)
    thread.start()
    assert reached.wait(30), "placement never reached the backorder write"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
    resume.set()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(outcome[0], DatabaseError), outcome
    assert_untouched(product)

    # The shop carries on: the same customer can order again.
    monkeypatch.setattr(BackorderOrderCreatorMixin, "_write_backorder_lines", original)
    order = place(basket_with(strategy, (product, 3)), number="F3")
    assert order.backorder_lines.get().quantity == 2
    assert check_consistency().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_is_half_allocated_when_the_database_connection_drops_mid_allocation(
    strategy, monkeypatch
):
    from oscar_backorders import services
    from oscar_backorders.allocation import allocate_free_stock

    product = stocked_product(num_in_stock=0, cap=None)
    line = place(basket_with(strategy, (product, 3)), number="F4").backorder_lines.get()
    # Three units arrive, counted in by an UPDATE (no receiver runs): the merchant allocates.
    StockRecord.objects.filter(product=product).update(num_in_stock=3)
    reached, resume = threading.Event(), threading.Event()
    backend: list[int] = []
    outcome: list[object] = []
    original = services.allocate_units_bulk

    def paused(*args, **kwargs):
        # The stock record is locked and the plan made; the lines are not written yet.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend.append(cursor.fetchone()[0])
        reached.set()
        resume.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "allocate_units_bulk", paused)

    def merchant():
        try:
            outcome.append(allocate_free_stock([line.stockrecord_id], reason="stock counted"))
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=merchant)
    thread.start()
    assert reached.wait(30), "allocation never reached the line write"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
    resume.set()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(outcome[0], DatabaseError), outcome
    line.refresh_from_db()
    assert (line.quantity_allocated, line.status) == (0, "waiting")
    assert not line.events.filter(kind="allocated").exists()
    assert check_consistency().ok

    # Run again: the three units go to the line, once.
    monkeypatch.setattr(services, "allocate_units_bulk", original)
    assert allocate_free_stock([line.stockrecord_id], reason="stock counted").units == 3
    line.refresh_from_db()
    assert (line.quantity_allocated, line.status) == (3, "allocated")
    assert check_consistency().ok
