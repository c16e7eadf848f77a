"""Follow-up emails carry a one-click unsubscribe (RFC 8058) that mail clients and mailbox
providers can use; emails the law or the contract requires carry none."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.notifications.links import unsubscribe_token
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
BackorderLine = get_model("oscar_backorders", "BackorderLine")

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def batch_window(settings):
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 0


def run_all(days=0, minutes=0):
    from oscar_backorders.notifications import scans

    with time_machine.travel(NOW + dt.timedelta(days=days, minutes=minutes), tick=False):
        mail.outbox.clear()
        scans.scan_order_events()
        scans.scan_overruns()
        scans.scan_follow_ups()
        dispatch_due_notices()
        return list(mail.outbox)


@pytest.fixture
def order(strategy, today):
    customer = UserFactory(email="ada@example.com")
    product = stocked_product(num_in_stock=0, lead_time_days=40)
    order = place(basket_with(strategy, (product, 2), owner=customer), user=customer)
    mail.outbox.clear()
    return order


def follow_up(order):
    (email,) = [m for m in run_all(days=14) if "your backordered items" in m.subject]
    return email


def test_follow_up_email_offers_one_click_unsubscribe_with_its_signed_link(order):
    email = follow_up(order)

    header = email.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    assert "/backorders/notifications/unsubscribe/" in header
    assert header[1:-1] in email.body  # the same link as the one in the text
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "ada" not in header


def test_mailbox_providers_one_click_post_turns_follow_ups_off_without_a_csrf_token(order):
    url = follow_up(order).extra_headers["List-Unsubscribe"][1:-1]
    path = url.split("://", 1)[1].partition("/")[2]
    provider = Client(enforce_csrf_checks=True)  # no cookies, no session, no CSRF token

    response = provider.post(
        f"/{path}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert NotificationPreference.objects.get(email="ada@example.com").follow_ups is False
    assert [m for m in run_all(days=28) if "your backordered items" in m.subject] == []


def test_one_click_post_with_a_forged_token_is_refused_and_nothing_changes(order):
    preference = NotificationPreference.objects.create(email="ada@example.com")
    provider = Client(enforce_csrf_checks=True)
    for bad in (unsubscribe_token(preference.pk)[:-2] + "xx", "nonsense"):
        response = provider.post(
            f"/backorders/notifications/unsubscribe/{bad}/",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400, bad
    preference.refresh_from_db()
    assert preference.follow_ups is True


def test_emails_the_law_requires_carry_no_unsubscribe(order):
    line = BackorderLine.objects.get(order=order)
    services.set_estimate(line.pk, line.promised_date + dt.timedelta(days=5), reason="late")
    services.cancel_units(line.pk, 1, reason="discontinued")

    sent = run_all(minutes=10)

    assert sent
    for email in sent:
        assert "List-Unsubscribe" not in email.extra_headers, email.subject
        assert "Message-ID" in email.extra_headers
