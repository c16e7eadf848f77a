import datetime as dt

import pytest
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services, signals
from oscar_backorders.allocation import allocate_free_stock
from oscar_backorders.estimates.service import recompute
from oscar_backorders.exceptions import InvalidBackorderQuantity
from oscar_backorders.supply.receiving import ReceiptRefused, cancel_line, receive_line
from oscar_backorders.supply.reliability import refresh_profiles
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")

LEAD = dt.date(2026, 12, 8)  # 2026-11-24 + 10 business days


@pytest.fixture
def queue(strategy, today):
    """Three orders waiting on one out-of-stock product: A wants 2, B 3, C 1 (in that order)."""
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    lines = []
    for number, quantity in (("A", 2), ("B", 3), ("C", 1)):
        order = place(basket_with(strategy, (product, quantity)), number=number)
        lines.append(order.lines.get().backorder)
    return product.stockrecords.get(), lines


def state(lines):
    for line in lines:
        line.refresh_from_db()
    return [(line.quantity_allocated, line.status, line.estimated_date) for line in lines]


def test_receipt_allocates_in_priority_order_and_lines_become_ready_to_ship(
    queue, django_capture_on_commit_callbacks
):
    record, (a, b, c) = queue
    services.set_priority(c.pk, 5, reason="VIP")
    po_line = inbound(record, 4, dt.date(2026, 12, 1))
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receive_line(po_line.pk, 4, actor=staff)
    assert [(x.backorder_line_id, x.quantity) for x in receipt.allocation.allocations] == [
        (c.pk, 1),
        (a.pk, 2),
        (b.pk, 1),
    ]
    assert [s[:2] for s in state([a, b, c])] == [
        (2, "allocated"),
        (1, "waiting"),
        (1, "allocated"),
    ]
    record.refresh_from_db()
    assert (record.num_in_stock, record.num_allocated) == (4, 6)
    event = a.events.get(kind="allocated")
    assert (event.quantity, event.actor, event.reason) == (
        2,
        staff,
        f"{po_line.purchase_order.reference}: 4 received",
    )
    po_line.refresh_from_db()
    assert (po_line.status, po_line.purchase_order.status) == ("received", "received")


def test_partial_receipt_leaves_the_line_open_and_fills_partially(queue):
    record, (a, b, c) = queue
    po_line = inbound(record, 10, dt.date(2026, 12, 1))
    receive_line(po_line.pk, 3)
    po_line.refresh_from_db()
    assert (po_line.quantity_received, po_line.status) == (3, "partial")
    assert [s[:2] for s in state([a, b, c])] == [(2, "allocated"), (1, "waiting"), (0, "waiting")]
    # The rest of the line makes their most likely date its own; their promise stands.
    assert [(x.likely_date, x.estimated_date) for x in (b, c)] == [(dt.date(2026, 12, 1), LEAD)] * 2


@pytest.mark.parametrize("quantity", [11, 0, -1])
def test_receiving_more_than_ordered_or_nothing_is_refused_and_nothing_changes(queue, quantity):
    record, lines = queue
    po_line = inbound(record, 10, dt.date(2026, 12, 1))
    receive_line(po_line.pk, 0 + 1)
    before = state(lines)
    with pytest.raises((ReceiptRefused, InvalidBackorderQuantity)) as excinfo:
        receive_line(po_line.pk, quantity if quantity != 11 else 10)
    if quantity == 11:
        assert "Only 9 of" in str(excinfo.value) and "more than was ordered" in str(excinfo.value)
    po_line.refresh_from_db()
    record.refresh_from_db()
    assert (po_line.quantity_received, record.num_in_stock) == (1, 1)
    assert state(lines) == before


def test_receiving_a_cancelled_line_is_refused(queue):
    record, _lines = queue
    po_line = inbound(record, 5, dt.date(2026, 12, 1))
    cancel_line(po_line.pk)
    with pytest.raises(ReceiptRefused, match="nothing more can be received"):
        receive_line(po_line.pk, 1)


def test_new_purchase_order_moves_the_likely_date_not_the_promise_and_a_slip_revises_it_once(
    queue, django_capture_on_commit_callbacks
):
    record, (a, b, c) = queue
    received = []
    signals.estimate_changed.connect(
        lambda **kw: received.append((kw["backorder_line"].pk, kw["old_date"], kw["new_date"])),
        weak=False,
        dispatch_uid="supply-test",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            po_line = inbound(record, 4, dt.date(2026, 12, 1))
        # Good news is the merchant's to see: the customer's promise stands and nobody is told.
        assert [s[2] for s in state([a, b, c])] == [LEAD, LEAD, LEAD]
        assert a.likely_date == dt.date(2026, 12, 1)
        assert received == []
        # The supplier says the delivery will be late: every promise would be missed.
        with django_capture_on_commit_callbacks(execute=True):
            po_line.expected_date = dt.date(2026, 12, 18)
            po_line.save()
        # Saving it again with nothing new revises nothing.
        with django_capture_on_commit_callbacks(execute=True):
            po_line.save()
    finally:
        signals.estimate_changed.disconnect(dispatch_uid="supply-test")
    late = dt.date(2026, 12, 18)
    assert [s[2] for s in state([a, b, c])] == [late, late, late]
    event = a.events.filter(kind="estimate_changed").order_by("pk").last()
    assert (event.old_date, event.new_date) == (LEAD, late)
    assert po_line.purchase_order.reference in event.reason
    assert received == [(a.pk, LEAD, late), (b.pk, LEAD, late), (c.pk, LEAD, late)]
    a.refresh_from_db()
    assert (a.estimate_source, a.miss_risk) == ("inbound", 0.0)


def test_merchant_date_is_kept_by_recompute(queue):
    record, (a, _b, _c) = queue
    services.set_estimate(a.pk, dt.date(2027, 1, 4), reason="told by phone")
    inbound(record, 10, dt.date(2026, 12, 1))
    recompute([record.pk], reason="test")
    a.refresh_from_db()
    assert a.estimated_date == dt.date(2027, 1, 4)


def test_full_recompute_finds_no_drift_after_targeted_recomputes(
    queue, django_capture_on_commit_callbacks
):
    record, _lines = queue
    with django_capture_on_commit_callbacks(execute=True):
        inbound(record, 2, dt.date(2026, 12, 1))
        inbound(record, 2, dt.date(2026, 12, 3))
    assert recompute(None, reason="nightly") == []


def test_raising_stock_by_saving_the_record_allocates_after_commit(
    queue, django_capture_on_commit_callbacks
):
    record, (a, b, c) = queue
    with django_capture_on_commit_callbacks(execute=True):
        record.num_in_stock = 3
        record.save()
    assert [s[:2] for s in state([a, b, c])] == [(2, "allocated"), (1, "waiting"), (0, "waiting")]
    assert "stock level raised" in a.events.get(kind="allocated").reason


def test_saving_a_record_without_raising_stock_allocates_nothing(
    queue, django_capture_on_commit_callbacks
):
    record, lines = queue
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record.price = record.price + 1
        record.save()
    assert callbacks == []
    assert all(s[0] == 0 for s in state(lines))


def test_cancelling_allocated_units_gives_them_to_the_next_line(
    queue, django_capture_on_commit_callbacks
):
    record, (a, b, c) = queue
    receive_line(inbound(record, 2, dt.date(2026, 12, 1)).pk, 2)
    assert state([a])[0][:2] == (2, "allocated")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_units(a.pk, 2, reason="customer changed their mind")
    assert [s[:2] for s in state([a, b, c])] == [(0, "cancelled"), (2, "waiting"), (0, "waiting")]
    cancelled = a.events.get(kind="cancelled")
    assert (cancelled.quantity, cancelled.reason) == (2, "customer changed their mind")


def test_dry_run_returns_the_plan_and_writes_nothing(queue):
    record, lines = queue
    type(record).objects.filter(pk=record.pk).update(num_in_stock=4)  # behind the plugin's back
    events = BackorderEvent.objects.count()
    preview = allocate_free_stock([record.pk], reason="preview", dry_run=True)
    assert preview.dry_run and preview.units == 4
    assert preview.free_before == {record.pk: 4} and preview.free_after(record.pk) == 0
    assert all(s[0] == 0 for s in state(lines))
    assert BackorderEvent.objects.count() == events
    done = allocate_free_stock([record.pk], reason="re-run by merchant")
    assert done.allocations == preview.allocations


def test_allocation_never_takes_units_committed_to_in_stock_parts(strategy, today):
    product = stocked_product(num_in_stock=2, lead_time_days=10)
    order = place(basket_with(strategy, (product, 5)))  # 2 from the shelf, 3 wait
    record = product.stockrecords.get()
    result = allocate_free_stock([record.pk], reason="nothing new")
    assert result.units == 0
    waiting = order.lines.get().backorder
    waiting.refresh_from_db()
    assert waiting.quantity_waiting == 3


def test_product_page_date_comes_from_inbound_supply(strategy, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    record = product.stockrecords.get()
    inbound(record, 5, dt.date(2026, 11, 30))
    info = strategy.fetch_for_product(product)
    assert info.availability.dispatch_date == dt.date(2026, 11, 30)
    order = place(basket_with(strategy, (product, 2)))
    line = order.lines.get().backorder
    assert (line.promised_date, line.estimate_source) == (dt.date(2026, 11, 30), "inbound")


def test_unreliable_supplier_widens_the_product_page_date(strategy, today):
    supplier = SupplierFactory()
    product = stocked_product(num_in_stock=0, lead_time_days=30)
    record = product.stockrecords.get()
    for _ in range(3):  # three past deliveries, each 4 days late
        past = inbound(record, 1, dt.date(2026, 10, 1), supplier=supplier)
        PurchaseOrderLine.objects.filter(pk=past.pk).update(
            status="received", quantity_received=1, date_last_received=dt.date(2026, 10, 5)
        )
    refresh_profiles()
    inbound(record, 5, dt.date(2026, 11, 30), supplier=supplier)
    info = strategy.fetch_for_product(product)
    assert info.availability.dispatch_date == dt.date(2026, 12, 4)


def new_strategy():
    return get_class("partner.strategy", "Selector")().strategy()


def test_a_slipped_purchase_order_is_dated_by_how_the_supplier_keeps_its_slipped_dates(
    strategy, today
):
    supplier = SupplierFactory()
    product = stocked_product(num_in_stock=0, lead_time_days=30)
    record = product.stockrecords.get()
    for _ in range(3):  # three past deliveries, each slipped by 9 days and received that day
        past = inbound(record, 1, dt.date(2026, 10, 1), supplier=supplier)
        PurchaseOrderLine.objects.filter(pk=past.pk).update(
            expected_date=dt.date(2026, 10, 10),
            status="received",
            quantity_received=1,
            date_last_received=dt.date(2026, 10, 10),
        )
    refresh_profiles()
    line = inbound(record, 5, dt.date(2026, 11, 25), supplier=supplier)
    assert strategy.fetch_for_product(product).availability.dispatch_date == dt.date(2026, 12, 4)
    line.expected_date = dt.date(2026, 12, 1)  # the merchant moves it later
    line.save()
    info = new_strategy().fetch_for_product(product)  # a new request
    assert info.availability.dispatch_date == dt.date(2026, 12, 1)  # not 9 days later again


def test_bulk_allocation_refuses_everything_when_one_quantity_is_bad(queue):
    _record, (a, b, c) = queue
    before = state([a, b, c])
    events = BackorderEvent.objects.count()
    with pytest.raises(InvalidBackorderQuantity, match="Only 3 units are waiting; 4 is too many"):
        services.allocate_units_bulk({a.pk: 2, b.pk: 4}, reason="x")
    assert state([a, b, c]) == before
    assert BackorderEvent.objects.count() == events


def test_bulk_allocation_signals_each_line_after_commit(queue, django_capture_on_commit_callbacks):
    _record, (a, b, c) = queue
    got = []
    signals.backorder_allocated.connect(
        lambda **kw: got.append((kw["backorder_line"].pk, kw["quantity"])),
        weak=False,
        dispatch_uid="bulk-test",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.allocate_units_bulk({c.pk: 1, a.pk: 1}, reason="x")
    finally:
        signals.backorder_allocated.disconnect(dispatch_uid="bulk-test")
    assert sorted(got) == sorted([(a.pk, 1), (c.pk, 1)])
    assert [s[:2] for s in state([a, c])] == [(1, "waiting"), (1, "allocated")]


def test_line_added_to_a_received_purchase_order_reopens_it_and_can_be_received(queue):
    record, (a, _b, _c) = queue
    first = inbound(record, 1, dt.date(2026, 12, 1))
    receive_line(first.pk, 1)
    order = first.purchase_order
    order.refresh_from_db()
    assert order.status == "received"
    second = inbound(record, 2, dt.date(2026, 12, 2), order=order)
    order.refresh_from_db()
    assert order.status == "open"
    receive_line(second.pk, 2)
    assert state([a])[0][:2] == (2, "allocated")


def test_cancelled_purchase_order_is_neither_inbound_nor_receivable(queue):
    record, (a, _b, _c) = queue
    po_line = inbound(record, 5, dt.date(2026, 12, 1))
    order = po_line.purchase_order
    order.status = "cancelled"
    order.save()
    recompute([record.pk], reason="test")
    assert state([a])[0][2] == LEAD
    with pytest.raises(ReceiptRefused, match="is cancelled"):
        receive_line(po_line.pk, 1)


def test_receiving_an_unknown_line_is_refused_with_its_id(db):
    with pytest.raises(PurchaseOrderLine.DoesNotExist, match="no purchase order line 424242"):
        receive_line(424242, 1)
