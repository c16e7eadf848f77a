"""The delay notice's signed links: keep waiting or cancel, and every way they are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.notifications import links, scans
from oscar_backorders.notifications.abstract_models import DelayDecision, NoticeKind
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
DelayConsent = get_model("oscar_backorders", "DelayConsent")
Notice = get_model("oscar_backorders", "Notice")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def batch_window(settings):
    """Five minutes of quiet before a batch is told (whatever the sandbox settings say)."""
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300


def at(**delta):
    return time_machine.travel(NOW + dt.timedelta(**delta), tick=False)


def delayed_order(strategy, number, *, days_late, user=None):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    extra = {} if user else {"guest_email": f"guest{number}@example.com"}
    order = place(
        basket_with(strategy, (product, 3), owner=user), number=number, user=user, **extra
    )
    line = order.backorder_lines.get()
    services.set_estimate(line.pk, line.promised_date + dt.timedelta(days=days_late), reason="x")
    return order, line


def delay_notice_links():
    """Scan and send; return the keep and cancel URLs of the one delay email."""
    with at(minutes=10):
        scans.scan_overruns()
        dispatch_due_notices()
    (email,) = [m for m in mail.outbox if "delayed" in m.subject]
    urls = re.findall(r"https?://[^/\s]+(/backorders/delay/\S+/)", email.body)
    keep = next(u for u in urls if "/keep/" in u)
    cancel = next(u for u in urls if "/cancel/" in u)
    return keep, cancel, email


def state(line):
    line.refresh_from_db()
    return (
        line.quantity_cancelled,
        line.status,
        list(line.delay_consents.values_list("decision", flat=True)),
    )


@pytest.fixture
def delayed(strategy, today):
    order, line = delayed_order(strategy, "200001", days_late=10)
    mail.outbox.clear()
    return order, line


def test_cancel_link_cancels_the_waiting_part_when_customer_confirms(delayed, client):
    order, line = delayed
    _keep, cancel, email = delay_notice_links()
    assert "If you are happy to wait" in email.body  # EU rule: silence means keep waiting
    response = client.get(cancel)
    assert response.status_code == 200
    assert state(line)[0] == 0  # a GET (a mail scanner following the link) changes nothing
    response = client.post(cancel)
    assert response.status_code == 200
    assert b"cancelled" in response.content
    assert state(line) == (3, BackorderStatus.CANCELLED, [DelayDecision.CANCEL])
    assert order.notes.filter(message__startswith="Customer cancelled").exists()
    with at(minutes=20):
        scans.scan_order_events()
        dispatch_due_notices()
    assert Notice.objects.filter(kind=NoticeKind.CANCELLED, status="sent").count() == 1


def test_keep_link_records_consent_and_changes_no_line(delayed, client):
    _order, line = delayed
    keep, _cancel, _email = delay_notice_links()
    assert client.post(keep).status_code == 200
    assert state(line) == (0, BackorderStatus.WAITING, [DelayDecision.KEEP])


def test_reused_link_refused_and_nothing_changed(delayed, client):
    _order, line = delayed
    keep, cancel, _email = delay_notice_links()
    client.post(keep)
    before = state(line)
    response = client.post(cancel)
    assert response.status_code == 409
    assert b"already chose to keep waiting" in response.content
    assert state(line) == before


def test_tampered_link_refused_and_nothing_changed(delayed, client):
    order, line = delayed
    _keep, cancel, _email = delay_notice_links()
    token = cancel.rstrip("/").rsplit("/", 1)[1]
    forged = links.delay_token(order_id=order.pk, consent_ids=[999])
    for bad in (token[:-3] + "abc", forged.replace(":", ":x", 1), "nonsense"):
        response = client.post(f"/backorders/delay/{order.number}/cancel/{bad}/")
        assert response.status_code == 400, bad
        assert b"not valid" in response.content
    assert state(line) == (0, BackorderStatus.WAITING, [DelayDecision.PENDING])


def test_link_for_another_customers_order_refused_with_404(delayed, strategy, client):
    order, line = delayed
    other, other_line = delayed_order(strategy, "200002", days_late=10)
    with at(minutes=10):
        scans.scan_overruns()
    consent = DelayConsent.objects.get(backorder_line=line)
    token = links.delay_token(order_id=order.pk, consent_ids=[consent.pk])
    # The token of one order used on another order's address.
    response = client.post(f"/backorders/delay/{other.number}/cancel/{token}/")
    assert response.status_code == 404
    # A validly signed token naming another order's consent.
    other_consent = DelayConsent.objects.get(backorder_line=other_line)
    token = links.delay_token(order_id=order.pk, consent_ids=[other_consent.pk])
    response = client.post(f"/backorders/delay/{order.number}/cancel/{token}/")
    assert response.status_code == 404
    assert state(line)[0] == 0 and state(other_line)[0] == 0


def test_link_refused_with_404_when_signed_in_as_someone_else(strategy, today, client):
    owner = UserFactory(email="owner@example.com")
    order, line = delayed_order(strategy, "200003", days_late=10, user=owner)
    mail.outbox.clear()
    _keep, cancel, _email = delay_notice_links()
    client.force_login(UserFactory(email="intruder@example.com"))
    assert client.post(cancel).status_code == 404
    assert state(line)[0] == 0


def test_expired_link_refused_and_nothing_changed(delayed, client):
    _order, line = delayed
    _keep, cancel, _email = delay_notice_links()
    with at(days=61):
        response = client.post(cancel)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert state(line)[0] == 0


@override_settings(BACKORDERS_OVERRUN_RULE="ftc")
def test_ftc_short_first_delay_needs_no_consent(strategy, today):
    _order, line = delayed_order(strategy, "200004", days_late=10)
    with at(minutes=10):
        scans.scan_overruns()
    consent = DelayConsent.objects.get(backorder_line=line)
    assert (consent.consent_required, consent.deadline) == (False, None)


@override_settings(BACKORDERS_OVERRUN_RULE="ftc")
def test_unanswered_delay_cancelled_when_ftc_consent_deadline_passes(strategy, today):
    _order, line = delayed_order(strategy, "200005", days_late=45)
    mail.outbox.clear()
    _keep, _cancel, email = delay_notice_links()
    consent = DelayConsent.objects.get(backorder_line=line)
    assert consent.consent_required
    assert "If we do not hear from you by" in email.body
    deadline_day = (consent.deadline - NOW.date()).days
    with at(days=deadline_day):
        assert scans.expire_delay_consents() == []  # the deadline day itself still counts
    with at(days=deadline_day + 1):
        assert scans.expire_delay_consents() == [consent.pk]
        assert scans.expire_delay_consents() == []
    assert state(line) == (3, BackorderStatus.CANCELLED, [DelayDecision.AUTO_CANCELLED])


def test_nothing_cancelled_automatically_under_the_eu_rule(delayed):
    _order, line = delayed
    delay_notice_links()
    with at(days=200):
        assert scans.expire_delay_consents() == []
    assert state(line)[0] == 0


@override_settings(BACKORDERS_OVERRUN_RULE="strict")
def test_answer_refused_after_the_deadline(strategy, today, client):
    _order, line = delayed_order(strategy, "200006", days_late=3)
    mail.outbox.clear()
    keep, _cancel, _email = delay_notice_links()
    consent = DelayConsent.objects.get(backorder_line=line)
    with at(days=(consent.deadline - NOW.date()).days + 1):
        response = client.post(keep)
    assert response.status_code == 410
    assert state(line)[2] == [DelayDecision.PENDING]


def test_second_delay_supersedes_the_first_notice(delayed, client):
    _order, line = delayed
    keep, _cancel, _email = delay_notice_links()
    with at(minutes=11):
        services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=5), reason="again")
    with at(minutes=30):
        scans.scan_overruns()
        dispatch_due_notices()
        response = client.post(keep)
    assert response.status_code == 409
    assert b"replaced by a newer one" in response.content
    assert len([m for m in mail.outbox if "delayed" in m.subject]) == 2
