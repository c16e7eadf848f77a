import datetime as dt

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services, signals
from oscar_backorders.abstract_models import BackorderStatus, EstimateSource
from oscar_backorders.exceptions import BackorderError, InvalidBackorderQuantity
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
OrderNote = get_model("order", "OrderNote")


@pytest.fixture
def waiting(strategy, today):
    """An order for 5 with 1 on the shelf: 4 units wait."""
    product = stocked_product(num_in_stock=1, lead_time_days=10)
    order = place(basket_with(strategy, (product, 5)))
    return order.lines.get().backorder


def snapshot(line):
    line.refresh_from_db()
    record = line.stockrecord
    record.refresh_from_db()
    return (
        line.quantity_allocated,
        line.quantity_shipped,
        line.quantity_cancelled,
        line.status,
        line.estimated_date,
        line.priority,
        record.num_allocated,
        line.events.count(),
    )


def test_merchant_moves_estimate_later_and_it_is_audited(
    waiting, today, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    received = []
    signals.estimate_changed.connect(
        lambda **kw: received.append(kw), weak=False, dispatch_uid="t1"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.set_estimate(
                waiting.pk, dt.date(2027, 1, 15), reason="Supplier delay", actor=staff
            )
    finally:
        signals.estimate_changed.disconnect(dispatch_uid="t1")
    waiting.refresh_from_db()
    assert waiting.estimated_date == dt.date(2027, 1, 15)
    assert waiting.promised_date == dt.date(2026, 12, 8)  # the promise made at checkout stays
    assert waiting.estimate_source == EstimateSource.MERCHANT
    event = waiting.events.get(kind="estimate_changed")
    assert (event.old_date, event.new_date, event.reason, event.actor) == (
        dt.date(2026, 12, 8),
        dt.date(2027, 1, 15),
        "Supplier delay",
        staff,
    )
    assert OrderNote.objects.filter(
        order=waiting.order, message__contains="Supplier delay"
    ).exists()
    assert [(r["old_date"], r["new_date"]) for r in received] == [
        (dt.date(2026, 12, 8), dt.date(2027, 1, 15))
    ]


def test_estimate_in_the_past_is_refused_and_nothing_changes(waiting, today):
    before = snapshot(waiting)
    with pytest.raises(BackorderError, match="in the past"):
        services.set_estimate(waiting.pk, dt.date(2026, 11, 1), reason="typo")
    assert snapshot(waiting) == before


def test_unknown_line_is_refused(today, db):
    with pytest.raises(BackorderLine.DoesNotExist, match="no backordered line 999"):
        services.set_estimate(999, dt.date(2027, 1, 1), reason="x")


def test_allocate_then_ship_moves_units_through_statuses(waiting):
    services.allocate_units(waiting.pk, 3, reason="PO-1 received")
    waiting.refresh_from_db()
    assert (waiting.quantity_waiting, waiting.quantity_allocated, waiting.status) == (
        1,
        3,
        BackorderStatus.WAITING,
    )
    services.allocate_units(waiting.pk, 1, reason="PO-2 received")
    waiting.refresh_from_db()
    assert waiting.status == BackorderStatus.ALLOCATED
    services.record_shipment(waiting.pk, 4)
    waiting.refresh_from_db()
    assert (waiting.quantity_shipped, waiting.quantity_allocated, waiting.status) == (
        4,
        0,
        BackorderStatus.SHIPPED,
    )
    assert list(waiting.events.order_by("pk").values_list("kind", "quantity")) == [
        ("placed", 4),
        ("allocated", 3),
        ("allocated", 1),
        ("shipped", 4),
    ]


@pytest.mark.parametrize("quantity", [0, -1, 5])
def test_allocating_a_bad_quantity_is_refused_and_nothing_changes(waiting, quantity):
    before = snapshot(waiting)
    with pytest.raises(InvalidBackorderQuantity):
        services.allocate_units(waiting.pk, quantity, reason="x")
    assert snapshot(waiting) == before


def test_units_still_waiting_cannot_ship(waiting):
    services.allocate_units(waiting.pk, 1, reason="x")
    before = snapshot(waiting)
    with pytest.raises(services.BackorderStateError, match="still waiting and cannot ship"):
        services.record_shipment(waiting.pk, 2)
    assert snapshot(waiting) == before


def test_customer_cancels_waiting_units_and_allocation_is_given_back(waiting):
    customer = UserFactory()
    recorded = []
    signals.backorder_cancellation_recorded.connect(
        lambda **kw: recorded.append(kw["quantity"]), weak=False, dispatch_uid="t2"
    )
    try:
        services.cancel_units(waiting.pk, 3, actor=customer, reason="Won't wait", by_customer=True)
    finally:
        signals.backorder_cancellation_recorded.disconnect(dispatch_uid="t2")
    waiting.refresh_from_db()
    assert (waiting.quantity_cancelled, waiting.quantity_waiting, waiting.status) == (
        3,
        1,
        BackorderStatus.WAITING,
    )
    assert waiting.stockrecord.num_allocated == 2  # 5 ordered, 3 given back
    assert recorded == [3]
    assert OrderNote.objects.filter(
        order=waiting.order, message__startswith="Customer cancelled"
    ).exists()


def test_cancelling_more_than_is_open_is_refused_and_nothing_changes(waiting):
    services.allocate_units(waiting.pk, 2, reason="x")
    services.record_shipment(waiting.pk, 2)
    before = snapshot(waiting)
    with pytest.raises(InvalidBackorderQuantity, match="Only 2 units are not yet shipped"):
        services.cancel_units(waiting.pk, 3, reason="x")
    assert snapshot(waiting) == before


def test_cancelling_everything_open_cancels_the_line(waiting):
    services.cancel_units(waiting.pk, 4, reason="Discontinued")
    waiting.refresh_from_db()
    assert waiting.status == BackorderStatus.CANCELLED


def test_priority_is_bounded_and_audited(waiting):
    services.set_priority(waiting.pk, 50, reason="VIP")
    waiting.refresh_from_db()
    assert waiting.priority == 50
    assert waiting.events.filter(kind="priority_changed", reason="VIP").exists()
    with pytest.raises(BackorderError, match="between -1000 and 1000"):
        services.set_priority(waiting.pk, 10**6)
    waiting.refresh_from_db()
    assert waiting.priority == 50
