"""Night after night: promises that stand, revisions told once, and never after consent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications import links, scans
from oscar_backorders.notifications.answers import answer_delay
from oscar_backorders.notifications.tasks import dispatch_due_notices
from oscar_backorders.supply.reliability import refresh_profiles
from oscar_backorders.supply.tasks import nightly_full_recompute
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
DelayConsent = get_model("oscar_backorders", "DelayConsent")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
START = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
#: Days late of the supplier's last twenty deliveries: on time mostly, late by up to 9 days.
HISTORY = [0] * 13 + [-1, 2, 3, 4, 5, 7, 9]


@pytest.fixture(autouse=True)
def quiet_window(settings):
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300
    settings.MANAGERS = []


@pytest.fixture
def supplier():
    supplier = SupplierFactory()
    record = stocked_product(num_in_stock=0).stockrecords.get()
    for days_late in HISTORY:
        past = inbound(record, 1, dt.date(2026, 9, 1), supplier=supplier)
        PurchaseOrderLine.objects.filter(pk=past.pk).update(
            status="received",
            quantity_received=1,
            date_last_received=dt.date(2026, 9, 1) + dt.timedelta(days=days_late),
        )
    refresh_profiles(today=dt.date(2026, 11, 24))
    return supplier


def night(number: int) -> list:
    """Night ``number`` after the order: the 02:00 recompute, then a day of beat scans."""
    with time_machine.travel(START + dt.timedelta(days=number, hours=-8), tick=False):
        nightly_full_recompute()
    with time_machine.travel(START + dt.timedelta(days=number), tick=False):
        before = len(mail.outbox)
        scans.scan_order_events()
        scans.scan_overruns()
        dispatch_due_notices()
        return mail.outbox[before:]


def order_for(product, quantity=2):
    with time_machine.travel(START, tick=False):
        strategy = get_class("partner.strategy", "Selector")().strategy()
        customer = UserFactory(email="ada@example.com")
        basket = basket_with(strategy, (product, quantity), owner=customer)
        placed = place(basket, user=customer, number=str(200000 + BackorderLine.objects.count()))
        return placed.lines.get().backorder


def test_a_week_of_quiet_nights_moves_no_promise_and_sends_no_email(supplier):
    on_order = stocked_product(num_in_stock=0)
    inbound(on_order.stockrecords.get(), 5, dt.date(2026, 12, 10), supplier=supplier)
    waiting_on_po = order_for(on_order)
    waiting_on_lead_time = order_for(stocked_product(num_in_stock=0, lead_time_days=10))
    promises = (waiting_on_po.estimated_date, waiting_on_lead_time.estimated_date)
    for number in range(1, 8):
        assert night(number) == []
    for line in (waiting_on_po, waiting_on_lead_time):
        line.refresh_from_db()
    assert (waiting_on_po.estimated_date, waiting_on_lead_time.estimated_date) == promises
    assert not BackorderEvent.objects.filter(kind="estimate_changed").exists()
    assert not DelayConsent.objects.exists()


def test_an_overdue_delivery_revises_the_promise_once_per_revision_and_tells_each_once(supplier):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    po_line = inbound(product.stockrecords.get(), 5, dt.date(2026, 11, 27), supplier=supplier)
    line = order_for(product)
    promised = line.estimated_date
    assert promised > dt.date(2026, 11, 27)  # the supplier's lateness is priced in
    told, consents_answered = [], 0
    for number in range(1, 40):  # the delivery never comes
        sent = night(number)
        line.refresh_from_db()
        today = (START + dt.timedelta(days=number)).date()
        assert line.estimated_date >= today  # a promise is never in the past
        told.extend(sent)
        pending = list(DelayConsent.objects.filter(decision="pending"))
        if pending:  # the customer keeps waiting, every time they are asked
            token = links.delay_token(order_id=line.order_id, consent_ids=[c.pk for c in pending])
            with time_machine.travel(START + dt.timedelta(days=number, hours=1), tick=False):
                answer_delay(order_number=line.order.number, token=token, action="keep")
            consents_answered += 1
    revisions = list(
        BackorderEvent.objects.filter(kind="estimate_changed")
        .order_by("pk")
        .values_list("old_date", "new_date", "date_created")
    )
    assert 1 <= len(revisions) <= 4
    # Each revision moves further than the one before: the longer overdue, the longer expected.
    moves = [(new - old).days for old, new, _when in revisions]
    assert all(move > 0 for move in moves) and moves == sorted(moves)
    # One email per revision: the delay notice with its options; none after consenting.
    assert len(told) == len(revisions) == consents_answered
    assert all(message.to == ["ada@example.com"] for message in told)
    po_line.refresh_from_db()
    assert po_line.status == "open"


def test_a_missed_promise_left_unrevised_is_told_without_a_past_date():
    line = order_for(stocked_product(num_in_stock=0, lead_time_days=10))
    missed = line.estimated_date
    # The nightly recompute did not run (a stopped beat): two days after the promise passed.
    with time_machine.travel(START + dt.timedelta(days=(missed - START.date()).days + 2)):
        before = len(mail.outbox)
        scans.scan_overruns()
        dispatch_due_notices()
        (sent,) = mail.outbox[before:]
    assert "we will tell you the new date as soon as we know it" in sent.body
    assert "now expected" not in sent.body
