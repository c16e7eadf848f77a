"""What the backorder emails tell customers about money: plain and true.

Held money is released, never "taken"; a shipment lists every unit it charged for, adding up to
its charge; a customer whose hold could not be renewed is asked once to confirm payment.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services, signals
from oscar_backorders.notifications import dispatch, scans
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.tasks import dispatch_due_notices
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.confirmation import confirm_payment
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, gateway, run_on_commit  # noqa: F401

pytestmark = pytest.mark.django_db

Notice = get_model("oscar_backorders", "Notice")
NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
#: A day the test gateway's authorisations (valid seven days) are due for renewal.
RENEWAL_DAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def batch_window(settings):
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300


def at(**delta):
    return time_machine.travel(NOW + dt.timedelta(**delta), tick=False)


def run_all():
    """What beat does: the scans, then the sweep. Returns the mails sent by this run."""
    before = len(mail.outbox)
    scans.scan_order_events()
    scans.scan_overruns()
    dispatch_due_notices()
    return mail.outbox[before:]


def titled(title, **kwargs):
    product = stocked_product(**kwargs)
    product.title = title
    product.save()
    return product


@pytest.fixture
def customer():
    return UserFactory(email="ada@example.com")


def place_order(strategy, customer):
    """3 × Linen apron at £28.00 (1 on the shelf, 2 backordered), 2 × Desk lamp at £34.00
    (both backordered): £152.00."""
    apron = titled("Linen apron", num_in_stock=1, price=Decimal("28.00"))
    lamp = titled("Desk lamp", num_in_stock=0, price=Decimal("34.00"))
    return place(basket_with(strategy, (apron, 3), (lamp, 2), owner=customer), user=customer)


@pytest.fixture
def unpaid_order(strategy, today, customer):
    """The order, paid the shop's own way (the plugin took no payment)."""
    order = place_order(strategy, customer)
    mail.outbox.clear()
    return order


@pytest.fixture
def order(strategy, today, customer, gateway):  # noqa: F811
    """The order, its total authorised by the plugin."""
    order = place_order(strategy, customer)
    authorise_order(order.pk, payment_token="ok")
    mail.outbox.clear()
    return order


def line(order, title):
    return order.lines.select_related("backorder").get(title=title)


def sent_of(kind):
    return Notice.objects.get(kind=kind, status=NoticeStatus.SENT)


# --- Shipped: every unit of the shipment, adding up to its charge -----------------------------


def test_shipped_email_lists_every_unit_of_the_shipment_adding_up_to_the_charge(
    order,
    run_on_commit,  # noqa: F811
):
    apron = line(order, "Linen apron")
    allocate(apron, 2)
    result = run_on_commit(ship, order.pk, {apron.pk: 3})  # 1 from the shelf, 2 backordered
    assert result.amount == Decimal("84.00")
    with at(minutes=10):
        (shipped,) = [m for m in run_all() if "shipped" in m.subject]
    assert "Linen apron × 3: £84.00" in shipped.body
    assert "Linen apron × 2" not in shipped.body
    assert "Charged for this shipment: £84.00" in shipped.body
    assert "Still to charge: £68.00, held on your card" in shipped.body
    html = shipped.alternatives[0][0]
    assert "Linen apron &times; 3: £84.00" in html


def test_shipped_email_lists_units_paid_at_checkout_apart_from_the_charge(
    order,
    run_on_commit,  # noqa: F811
    settings,
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    # Authorise the placed order afresh under this setting (the test's own shortcut).
    order.backorder_ledger.all().delete()
    order.backorder_authorisations.all().delete()
    authorise_order(order.pk, payment_token="ok2")  # captures the apron on the shelf: £28.00
    apron = line(order, "Linen apron")
    allocate(apron, 2)
    with at(days=3):
        run_on_commit(ship, order.pk, {apron.pk: 3})
    with at(days=3, minutes=10):
        (shipped,) = [m for m in run_all() if "shipped" in m.subject]
    assert "Linen apron × 2: £56.00" in shipped.body
    assert "Linen apron × 1: paid at checkout" in shipped.body
    assert "Charged for this shipment: £56.00" in shipped.body
    assert "Charged so far: £84.00 of £152.00" in shipped.body


def test_shipped_email_told_once_per_shipment(order, run_on_commit):  # noqa: F811
    apron, lamp = line(order, "Linen apron"), line(order, "Desk lamp")
    allocate(apron, 2)
    run_on_commit(ship, order.pk, {apron.pk: 3})
    with at(minutes=10):
        (first,) = [m for m in run_all() if "shipped" in m.subject]
        allocate(lamp, 2)
        run_on_commit(ship, order.pk, {lamp.pk: 2})
    with at(minutes=20):
        (second,) = [m for m in run_all() if "shipped" in m.subject]
    assert "Desk lamp × 2: £68.00" in second.body
    assert "Linen apron" not in second.body
    assert "Charged for this shipment: £68.00" in second.body
    assert "Charged so far: £152.00 of £152.00" in second.body


def test_shipped_email_shows_the_price_and_no_charge_when_the_shop_took_payment(unpaid_order):
    apron = line(unpaid_order, "Linen apron")
    services.allocate_units(apron.backorder.pk, 2, reason="PO arrived")
    services.record_shipment(apron.backorder.pk, 2)
    with at(minutes=10):
        (shipped,) = [m for m in run_all() if "shipped" in m.subject]
    assert "Linen apron × 2: £56.00" in shipped.body
    assert "Charged" not in shipped.body


# --- Cancelled: held money is released, not "taken" -------------------------------------------


def test_cancellation_email_says_held_money_is_released_not_taken(
    order,
    run_on_commit,  # noqa: F811
):
    lamp = line(order, "Desk lamp")
    run_on_commit(services.cancel_units, lamp.backorder.pk, 1, reason="customer asked")
    with at(minutes=10):
        (cancelled,) = run_all()
    assert "cancelled" in cancelled.subject
    assert "You are not charged for them: the money held on your card for them is released." in (
        cancelled.body
    )
    assert "Released for cancelled items (not charged): £34.00." in cancelled.body
    assert "Charged so far: £0.00 of £152.00" in cancelled.body
    for word in ("taken", "refund", "Refund"):
        assert word not in cancelled.body
        assert word not in cancelled.alternatives[0][0]


def test_cancellation_email_promises_a_refund_of_the_price_only_if_paid_when_the_shop_took_payment(
    unpaid_order,
):
    lamp = line(unpaid_order, "Desk lamp")
    services.cancel_units(lamp.backorder.pk, 1, reason="customer asked")
    with at(minutes=10):
        (cancelled,) = run_all()
    assert "if you have already paid for them, we refund their price (£34.00)" in cancelled.body
    assert "released" not in cancelled.body


# --- Delay, ready to ship, estimate: no charge promised that is not the plugin's to make ------


def test_delay_email_offers_cancelling_without_a_refund_of_money_only_held(order):
    lamp = line(order, "Desk lamp")
    services.set_estimate(
        lamp.backorder.pk, lamp.backorder.promised_date + dt.timedelta(days=5), reason="late"
    )
    with at(minutes=10):
        (delay,) = run_all()
    assert "Cancel these items (you are not charged for them): http" in delay.body
    assert "refund" not in delay.body
    assert "refund" not in delay.alternatives[0][0]


def test_delay_email_offers_a_full_refund_when_the_shop_took_payment(unpaid_order):
    lamp = line(unpaid_order, "Desk lamp")
    services.set_estimate(
        lamp.backorder.pk, lamp.backorder.promised_date + dt.timedelta(days=5), reason="late"
    )
    with at(minutes=10):
        (delay,) = run_all()
    assert "Cancel these items for a full refund: http" in delay.body
    assert "nothing is charged" not in delay.body


def test_ready_to_ship_email_promises_no_later_charge_when_the_shop_took_payment(unpaid_order):
    lamp = line(unpaid_order, "Desk lamp")
    services.allocate_units(lamp.backorder.pk, 2, reason="PO arrived")
    with at(minutes=10):
        (ready,) = run_all()
    assert "in stock" in ready.subject
    assert "charge" not in ready.body


def test_ready_to_ship_email_says_the_charge_comes_with_the_shipment_when_only_held(order):
    lamp = line(order, "Desk lamp")
    services.allocate_units(lamp.backorder.pk, 2, reason="PO arrived")
    with at(minutes=10):
        (ready,) = run_all()
    assert "We will charge you for them when they ship." in ready.body


def test_later_estimate_email_promises_no_later_charge_when_the_shop_took_payment(unpaid_order):
    BackorderLine.objects.filter(order=unpaid_order).update(
        promised_date=F("estimated_date") + dt.timedelta(days=30), told_date=F("estimated_date")
    )
    lamp = BackorderLine.objects.get(order=unpaid_order, line__title="Desk lamp")
    services.set_estimate(lamp.pk, lamp.estimated_date + dt.timedelta(days=3), reason="late")
    with at(minutes=10):
        (changed,) = run_all()
    assert "We are sorry for the delay." in changed.body
    assert "charged" not in changed.body


# --- Confirm payment: asked once per authorisation, in the customer's language ----------------


def renewal_fails(gateway, run_on_commit):  # noqa: F811
    gateway.capabilities = Capabilities(reauthorise=False)
    run_on_commit(refresh_expiring_authorisations, now=RENEWAL_DAY)
    gateway.capabilities = type(gateway)().capabilities


def confirm_emails():
    return [m for m in mail.outbox if "confirm your payment" in m.subject]


def test_customer_asked_once_to_confirm_payment_when_the_renewal_fails(
    order,
    gateway,  # noqa: F811
    run_on_commit,  # noqa: F811
):
    renewal_fails(gateway, run_on_commit)

    (email,) = confirm_emails()
    assert email.to == ["ada@example.com"]
    assert email.subject == f"Order {order.number}: please confirm your payment"
    assert "Still to charge: £152.00, charged only as your items ship." in email.body

    # The signal again (a second beat, a retried task): no second email.
    authorisation = PaymentAuthorisation.objects.get(order=order)
    run_on_commit(
        signals.authorisation_expiring.send,
        sender=type(authorisation),
        order=order,
        expires_at=authorisation.expires_at,
    )
    run_all()
    assert len(confirm_emails()) == 1
    notice = Notice.objects.get(kind=NoticeKind.CONFIRM_PAYMENT)
    assert (notice.status, notice.version) == (NoticeStatus.SENT, f"a{authorisation.pk}")


def test_customer_is_still_asked_to_confirm_when_the_signal_was_lost(
    order,
    gateway,  # noqa: F811
):
    """A process died between the renewal's commit and its signal: the beat's scan asks."""
    gateway.capabilities = Capabilities(reauthorise=False)
    refresh_expiring_authorisations(now=RENEWAL_DAY)  # its on-commit signal never runs
    gateway.capabilities = type(gateway)().capabilities
    assert PaymentAuthorisation.objects.get(order=order).status == "needs_customer"
    assert confirm_emails() == []

    run_all()
    run_all()  # the next beat asks nothing twice

    (email,) = confirm_emails()
    assert email.to == ["ada@example.com"]


def test_confirm_payment_email_link_opens_the_confirm_page_for_that_customer(
    order,
    customer,
    client,
    gateway,  # noqa: F811
    run_on_commit,  # noqa: F811
):
    renewal_fails(gateway, run_on_commit)
    (email,) = confirm_emails()
    (url,) = re.findall(r"Confirm your payment: (\S+)", email.body)
    assert url.startswith("http://")
    assert f'href="{url}"' in email.alternatives[0][0]

    client.force_login(customer)
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "confirm payment of £152.00 again" in page.content.decode()
    response = run_on_commit(client.post, urlsplit(url).path, {"payment_token": "ok"}, follow=True)
    assert "your payment is confirmed" in response.content.decode()

    client.force_login(UserFactory())
    assert client.get(urlsplit(url).path).status_code == 403


@pytest.mark.parametrize(
    ("language", "subject", "amount"),
    [
        ("nl", "Bestelling 100001: bevestig je betaling", "152,00"),
        ("zh-hans", "订单 100001：请确认您的付款", "152.00"),
        ("id", "Pesanan 100001: mohon konfirmasi pembayaran Anda", "152,00"),
    ],
)
def test_confirm_payment_email_in_the_language_the_customer_checked_out_in(
    order,
    gateway,  # noqa: F811
    run_on_commit,  # noqa: F811
    language,
    subject,
    amount,
):
    NotificationPreference.objects.create(email="ada@example.com", language=language)
    renewal_fails(gateway, run_on_commit)
    (email,) = mail.outbox
    assert email.subject == subject
    assert amount in email.body
    assert Notice.objects.get(kind=NoticeKind.CONFIRM_PAYMENT).language == language


def test_no_confirm_payment_email_when_the_customer_confirmed_before_it_went_out(
    order,
    gateway,  # noqa: F811
    run_on_commit,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(dispatch, "enqueue", lambda ids: None)  # claimed; the sweep sends it
    renewal_fails(gateway, run_on_commit)
    confirm_payment(order.pk, payment_token="ok")
    run_all()
    assert confirm_emails() == []
    assert Notice.objects.get(kind=NoticeKind.CONFIRM_PAYMENT).status == NoticeStatus.SKIPPED


def test_no_confirm_payment_email_when_the_order_has_no_authorisation_waiting(
    unpaid_order,
    run_on_commit,  # noqa: F811
):
    run_on_commit(
        signals.authorisation_expiring.send,
        sender=None,
        order=unpaid_order,
        expires_at=NOW + dt.timedelta(days=2),
    )
    assert not Notice.objects.filter(kind=NoticeKind.CONFIRM_PAYMENT).exists()


def lapse_hold(order, why="Stripe cancelled it"):
    from django.db import transaction

    from oscar_backorders.locks import lock_authorisation
    from oscar_backorders.payments import lifecycle

    authorisation = PaymentAuthorisation.objects.get(order=order)
    with transaction.atomic():
        lifecycle.lapse(lock_authorisation(authorisation.pk), why=why)


def test_customer_asked_once_to_confirm_payment_when_the_hold_lapses_without_a_renewal(
    order,
    run_on_commit,  # noqa: F811
):
    """The provider let the hold go (its deadline passed, or Stripe cancelled it): the customer
    learns it at once and is asked to confirm, with no past "hold ends on" date."""
    run_on_commit(lapse_hold, order)
    # Asked at once (the lapse's after-commit signal), not only at the next beat's scan.
    assert Notice.objects.filter(kind=NoticeKind.CONFIRM_PAYMENT, order=order).exists()
    run_all()

    (email,) = confirm_emails()
    assert email.to == ["ada@example.com"]
    assert "The hold on your card for them has ended" in email.body
    assert "could not be renewed" not in email.body and "hold ends on" not in email.body
    assert "Still to charge: £152.00, charged only as your items ship." in email.body

    run_on_commit(lapse_hold, order)  # lapsing again (a duplicate webhook, the next sweep)
    run_all()
    assert len(confirm_emails()) == 1


def test_customer_asked_about_a_lapsed_hold_even_when_the_signal_was_lost(order):
    lapse_hold(order)  # its on-commit signal never runs
    assert PaymentAuthorisation.objects.get(order=order).status == "expired"
    assert confirm_emails() == []

    run_all()
    (email,) = confirm_emails()
    assert "has ended" in email.body


def test_holds_that_lapsed_long_ago_are_not_asked_about_by_the_scan(order):
    """A shop upgrading with old lapsed authorisations does not email their customers now."""
    lapse_hold(order)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30 + 1)
    PaymentAuthorisation.objects.filter(order=order).update(date_updated=long_ago)

    run_all()
    assert confirm_emails() == []
