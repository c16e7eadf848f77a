"""A supplier confirms when a purchase-order line arrives: recorded, re-dated, refused when wrong."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.estimates import service
from oscar_backorders.supply.confirmations import (
    ConfirmationRefused,
    confirm_arrival,
    withdraw_confirmation,
)
from oscar_backorders.supply.receiving import cancel_line, receive_line
from tests.factories import stocked_product
from tests.supply_factories import inbound

pytestmark = pytest.mark.django_db

PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")

DEC_5 = dt.date(2026, 12, 5)
DEC_9 = dt.date(2026, 12, 9)
FIELDS = ("confirmed_date", "first_confirmed_date", "date_confirmed", "date_updated", "status")


@pytest.fixture
def po_line(today):
    record = stocked_product(num_in_stock=0).stockrecords.get()
    return inbound(record, 5, dt.date(2026, 12, 1))


@pytest.fixture
def redated(monkeypatch):
    """Every re-dating the estimates service is asked for: (stock record ids, reason)."""
    calls = []
    monkeypatch.setattr(
        service, "recompute", lambda ids=None, *, reason: calls.append((list(ids), reason)) or []
    )
    return calls


def stored(line):
    return PurchaseOrderLine.objects.values(*FIELDS).get(pk=line.pk)


def test_supplier_confirmation_is_recorded_and_the_waiting_lines_re_dated_after_commit(
    po_line, redated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        line = confirm_arrival(po_line.pk, DEC_5)
        assert redated == []  # not before the confirmation is committed
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.first_confirmed_date) == (DEC_5, DEC_5)
    assert po_line.date_confirmed is not None and line.confirmed_date == DEC_5
    reference = po_line.purchase_order.reference
    assert redated == [([po_line.stockrecord_id], f"{reference}: arrival confirmed for 2026-12-05")]


def test_a_later_confirmation_moves_the_date_but_keeps_the_first_one(
    po_line, redated, django_capture_on_commit_callbacks
):
    confirm_arrival(po_line.pk, DEC_5)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_arrival(po_line.pk, DEC_9)
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.first_confirmed_date) == (DEC_9, DEC_5)
    assert redated[-1][1].endswith("arrival confirmed for 2026-12-09 (was 2026-12-05)")


def test_confirming_the_same_date_again_changes_nothing(
    po_line, redated, django_capture_on_commit_callbacks
):
    user = UserFactory(is_staff=True)
    confirm_arrival(po_line.pk, DEC_5, actor=user)
    before, logged = stored(po_line), LogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirm_arrival(po_line.pk, DEC_5, actor=user)
    assert stored(po_line) == before
    assert (callbacks, LogEntry.objects.count()) == ([], logged)


def test_today_may_be_confirmed_and_so_may_a_partly_received_line(po_line, today):
    receive_line(po_line.pk, 2)
    confirm_arrival(po_line.pk, today)
    po_line.refresh_from_db()
    assert (po_line.status, po_line.confirmed_date) == ("partial", today)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-12-05", "must be a date (YYYY-MM-DD), not '2026-12-05'"),
        (None, "must be a date (YYYY-MM-DD), not None"),
        (dt.datetime(2026, 12, 5, 9, 0), "must be a date (YYYY-MM-DD)"),
        (dt.date(2026, 11, 23), "23 Nov 2026 is in the past"),
    ],
)
def test_a_confirmation_that_is_not_a_future_date_is_refused_and_nothing_changes(
    po_line, redated, django_capture_on_commit_callbacks, day, message
):
    confirm_arrival(po_line.pk, DEC_9)
    before = stored(po_line)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ConfirmationRefused, match=message.replace("(", r"\(").replace(")", r"\)")),
    ):
        confirm_arrival(po_line.pk, day)
    assert stored(po_line) == before
    assert callbacks == []


@pytest.mark.parametrize(
    ("close", "message"),
    [
        (lambda line: receive_line(line.pk, 5), "is received; there is no arrival left to confirm"),
        (lambda line: cancel_line(line.pk), "is cancelled; there is no arrival left to confirm"),
        (
            lambda line: (
                type(line.purchase_order)
                .objects.filter(pk=line.purchase_order_id)
                .update(status="cancelled")
            ),
            "is cancelled; there is no arrival to confirm",
        ),
    ],
    ids=["received", "line cancelled", "order cancelled"],
)
def test_a_closed_line_cannot_be_confirmed_nor_withdrawn_and_nothing_changes(
    po_line, redated, django_capture_on_commit_callbacks, close, message
):
    confirm_arrival(po_line.pk, DEC_5)
    close(po_line)
    before = stored(po_line)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ConfirmationRefused, match=message) as refused:
            confirm_arrival(po_line.pk, DEC_9)
        with pytest.raises(ConfirmationRefused, match=message):
            withdraw_confirmation(po_line.pk)
    assert refused.value.purchase_order_line_id == po_line.pk
    assert stored(po_line) == before
    assert callbacks == []


def test_confirming_an_unknown_line_is_refused_with_its_id(db):
    with pytest.raises(PurchaseOrderLine.DoesNotExist, match="no purchase order line 424242"):
        confirm_arrival(424242, DEC_5)


def test_a_confirmation_by_a_user_is_in_the_line_history_and_one_by_a_feed_is_not(po_line):
    user = UserFactory(is_staff=True)
    confirm_arrival(po_line.pk, DEC_5)
    assert not LogEntry.objects.exists()
    confirm_arrival(po_line.pk, DEC_9, actor=user)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id) == (user, str(po_line.pk))
    assert "arrival confirmed for 2026-12-09 (was 2026-12-05)" in entry.get_change_message()


def test_withdrawing_a_confirmation_empties_it_keeps_the_first_and_re_dates(
    po_line, redated, django_capture_on_commit_callbacks
):
    confirm_arrival(po_line.pk, DEC_5)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_confirmation(po_line.pk)
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.date_confirmed) == (None, None)
    assert po_line.first_confirmed_date == DEC_5
    assert redated[-1][1].endswith("confirmed arrival 2026-12-05 withdrawn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        withdraw_confirmation(po_line.pk)  # nothing to withdraw: nothing happens
    assert callbacks == []


def test_a_confirmation_from_a_supplier_who_keeps_its_word_tightens_the_promise(strategy, today):
    from oscar_backorders.supply.reliability import refresh_profiles
    from tests.supply_factories import SupplierFactory

    supplier = SupplierFactory()
    product = stocked_product(num_in_stock=0, lead_time_days=30)
    record = product.stockrecords.get()
    # Its expected dates run late (a third of deliveries, by 5 to 12 days); the dates it
    # confirms, it keeps.
    for days_late in [0] * 12 + [5, 6, 8, 9, 10, 12]:
        past = inbound(record, 1, dt.date(2026, 9, 1), supplier=supplier)
        received = dt.date(2026, 9, 1) + dt.timedelta(days=days_late)
        PurchaseOrderLine.objects.filter(pk=past.pk).update(
            status="received",
            quantity_received=1,
            date_last_received=received,
            first_confirmed_date=received,
            confirmed_date=received,
        )
    refresh_profiles()
    line = inbound(record, 5, DEC_9, supplier=supplier)
    before = strategy.fetch_for_product(product).availability.dispatch_date
    confirm_arrival(line.pk, DEC_9)
    after = type(strategy)().fetch_for_product(product).availability.dispatch_date
    assert before > after == DEC_9
