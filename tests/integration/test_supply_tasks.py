import datetime as dt

import pytest
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.supply import tasks
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import inbound

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")


@pytest.fixture
def waiting(strategy, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    line = place(basket_with(strategy, (product, 4))).lines.get().backorder
    return product.stockrecords.get(), line


def test_nightly_recompute_revises_a_promise_supply_broke_behind_its_back_once(waiting):
    record, line = waiting
    po_line = inbound(record, 10, dt.date(2026, 12, 1))  # no on_commit here: nothing re-judged
    # Better supply does not move the promise (8 Dec): only the most likely date.
    assert tasks.nightly_full_recompute.delay().get()["revised"] == 0
    line.refresh_from_db()
    assert (line.estimated_date, line.likely_date) == (dt.date(2026, 12, 8), dt.date(2026, 12, 1))
    PurchaseOrderLine.objects.filter(pk=po_line.pk).update(expected_date=dt.date(2026, 12, 20))
    assert tasks.nightly_full_recompute.delay().get() == {
        "profiles_changed": 0,
        "revised": 1,
        "stockrecords": 1,
        "max_shift_days": 13,
    }
    line.refresh_from_db()
    assert line.estimated_date == dt.date(2026, 12, 21)  # arrives the 20th, a Sunday
    # Idempotent: a second run revises nothing.
    assert tasks.nightly_full_recompute.delay().get()["revised"] == 0


def test_recompute_task_takes_ids_and_is_idempotent(waiting):
    record, _line = waiting
    po_line = inbound(record, 10, dt.date(2026, 12, 1))
    PurchaseOrderLine.objects.filter(pk=po_line.pk).update(expected_date=dt.date(2026, 12, 18))
    assert tasks.recompute_estimates_task.delay([record.pk], "test").get() == 1
    assert tasks.recompute_estimates_task.delay([record.pk], "test").get() == 0


def test_allocate_task_takes_ids_and_is_idempotent(waiting):
    record, line = waiting
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    assert tasks.allocate_free_stock_task.delay([record.pk]).get() == 3
    assert tasks.allocate_free_stock_task.delay([record.pk]).get() == 0


def test_reorder_point_alert_is_sent_for_records_at_or_below_their_point(waiting):
    record, _line = waiting
    received = []
    signals.reorder_point_reached.connect(
        lambda **kw: received.append((kw["stockrecord"].pk, kw["available"], kw["reorder_point"])),
        weak=False,
        dispatch_uid="reorder-test",
    )
    try:
        assert tasks.check_reorder_points.delay().get() == 1
    finally:
        signals.reorder_point_reached.disconnect(dispatch_uid="reorder-test")
    ((pk, available, point),) = received
    assert pk == record.pk and available == -4 and point >= 1


def test_no_alert_when_enough_is_on_order(waiting):
    record, _line = waiting
    inbound(record, 500, dt.date(2026, 12, 1))
    assert tasks.check_reorder_points.delay().get() == 0
