"""Stripe's webhooks: signed events reconcile the ledger, once, whatever their order.

Payloads are signed as Stripe documents it (``Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256
of "<t>.<body>" with the endpoint's secret>``). The order is authorised with the test gateway,
then its authorisation is given a Stripe PaymentIntent id: no request reaches Stripe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_backorders.payments import ledger
from oscar_backorders.payments.exceptions import ShipmentRefused
from oscar_backorders.payments.gateways import reset_gateway_cache
from oscar_backorders.payments.shipping import ship
from tests.payments_support import lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
ProviderEvent = get_model("oscar_backorders", "ProviderEvent")
OrderNote = get_model("order", "OrderNote")

SECRET = "whsec_test_secret"
INTENT = "pi_webhook_1"
URL = "/backorders/payments/stripe/webhook/"
ZERO = Decimal("0.00")


def signature(body: bytes, *, secret: str = SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(kind: str, obj: dict, *, created: int = 1_700_000_000, event_id: str = "") -> dict:
    return {
        "id": event_id or f"evt_{kind}_{created}",
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }


def intent(**fields) -> dict:
    return {"id": INTENT, "object": "payment_intent", "currency": "gbp", **fields}


def charge(**fields) -> dict:
    base = {"id": "ch_webhook_1", "object": "charge", "payment_intent": INTENT, "currency": "gbp"}
    return base | fields


def deliver(client, payload: dict, **sign):
    body = json.dumps(payload).encode()
    return client.post(
        URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(body, **sign)
    )


@pytest.fixture
def stripe_webhooks(settings, mixed_order):
    """The shop uses the Stripe gateway with a webhook secret (no request ever reaches Stripe);
    ``mixed_order`` was authorised before, with the test gateway."""
    settings.BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.stripe.StripeGateway"
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_not_used"
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = SECRET
    reset_gateway_cache()
    yield
    reset_gateway_cache()


@pytest.fixture
def stripe_order(stripe_webhooks, mixed_order):
    """The order of 54.50 authorised at checkout, as a Stripe PaymentIntent."""
    PaymentAuthorisation.objects.filter(order=mixed_order).update(
        gateway="stripe", reference=INTENT
    )
    return mixed_order


def authorisation_of(order):
    return PaymentAuthorisation.objects.get(order=order)


# --- payment_intent.canceled ---------------------------------------------------------------------


def test_hold_stripe_dropped_is_recorded_as_lapsed_when_the_payment_intent_is_cancelled(
    stripe_webhooks, stripe_order, client
):
    response = deliver(
        client, event("payment_intent.canceled", intent(cancellation_reason="automatic"))
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    authorisation = authorisation_of(stripe_order)
    assert authorisation.status == "expired"
    sums = ledger.totals(order_id=stripe_order.pk)
    assert (sums.expired, sums.held, sums.captured) == (Decimal("54.50"), ZERO, ZERO)
    recorded = ProviderEvent.objects.get()
    assert (recorded.outcome, recorded.authorisation, recorded.order) == (
        "applied",
        authorisation,
        stripe_order,
    )
    assert recorded.processed is not None
    assert OrderNote.objects.filter(order=stripe_order, message__contains="Stripe cancelled")


def test_shipment_waits_for_the_customer_when_stripe_dropped_the_hold_before_it_shipped(
    stripe_webhooks, stripe_order, client
):
    deliver(client, event("payment_intent.canceled", intent(cancellation_reason="automatic")))
    main, plain = lines_of(stripe_order)
    # As for any expired authorisation: nothing is asked of Stripe, nothing is recorded.
    with pytest.raises(ShipmentRefused, match="customer confirms payment"):
        ship(stripe_order.pk, {plain.pk: 1})
    assert not PaymentCapture.objects.filter(order=stripe_order).exists()


def test_cancel_is_a_confirmation_when_the_shop_released_the_hold_itself(
    stripe_webhooks, stripe_order, client
):
    authorisation = authorisation_of(stripe_order)
    from oscar_backorders.locks import lock_authorisation

    ledger.post(lock_authorisation(authorisation.pk), "released", Decimal("54.50"), note="test")
    entries = PaymentLedgerEntry.objects.count()
    response = deliver(client, event("payment_intent.canceled", intent()))
    assert response.json()["outcome"] == "confirmed"
    assert PaymentLedgerEntry.objects.count() == entries
    assert authorisation_of(stripe_order).status == "closed"


# --- duplicates and order ------------------------------------------------------------------------


def test_repeated_delivery_changes_nothing_again_when_stripe_retries(
    stripe_webhooks, stripe_order, client
):
    payload = event("payment_intent.canceled", intent(), event_id="evt_once")
    first = deliver(client, payload)
    entries, notes = PaymentLedgerEntry.objects.count(), OrderNote.objects.count()
    again = deliver(client, payload)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"received": "evt_once", "outcome": "applied", "duplicate": True}
    assert ProviderEvent.objects.count() == 1
    assert (PaymentLedgerEntry.objects.count(), OrderNote.objects.count()) == (entries, notes)


def test_capturable_update_older_than_a_cancel_is_ignored_when_it_arrives_after_it(
    stripe_webhooks, stripe_order, client
):
    deliver(client, event("payment_intent.canceled", intent(), created=1_700_000_200))
    entries = PaymentLedgerEntry.objects.count()
    late = deliver(
        client,
        event(
            "payment_intent.amount_capturable_updated",
            intent(amount_capturable=5450, status="requires_capture"),
            created=1_700_000_100,
        ),
    )
    assert late.status_code == 200
    assert late.json()["outcome"] == "stale"
    assert PaymentLedgerEntry.objects.count() == entries
    assert authorisation_of(stripe_order).status == "expired"


# --- payment_intent.amount_capturable_updated ---------------------------------------------------


def test_capturable_amount_the_ledger_holds_is_a_confirmation(
    stripe_webhooks, stripe_order, client
):
    response = deliver(
        client,
        event(
            "payment_intent.amount_capturable_updated",
            intent(amount_capturable=5450, status="requires_capture"),
        ),
    )
    assert response.json()["outcome"] == "confirmed"
    assert ProviderEvent.objects.get().amount == Decimal("54.50")
    assert ledger.totals(order_id=stripe_order.pk).held == Decimal("54.50")


def test_shortfall_is_recorded_as_lapsed_when_stripe_can_capture_less_than_the_ledger_holds(
    stripe_webhooks, stripe_order, client
):
    response = deliver(
        client,
        event(
            "payment_intent.amount_capturable_updated",
            intent(amount_capturable=5000, status="requires_capture"),
        ),
    )
    assert response.json()["outcome"] == "applied"
    sums = ledger.totals(order_id=stripe_order.pk)
    assert (sums.expired, sums.held) == (Decimal("4.50"), Decimal("50.00"))
    assert authorisation_of(stripe_order).status == "active"


# --- charge.captured and charge.refunded --------------------------------------------------------


def test_capture_the_ledger_recorded_is_a_confirmation_and_moves_no_money(
    stripe_webhooks, stripe_order, client
):
    authorisation = authorisation_of(stripe_order)
    from oscar_backorders.locks import lock_authorisation

    ledger.post(lock_authorisation(authorisation.pk), "captured", Decimal("4.50"), note="test")
    entries = PaymentLedgerEntry.objects.count()
    response = deliver(
        client, event("charge.captured", charge(amount=5450, amount_captured=450, captured=True))
    )
    assert response.json()["outcome"] == "confirmed"
    assert PaymentLedgerEntry.objects.count() == entries


def test_capture_made_in_stripes_dashboard_is_a_discrepancy_and_nothing_is_captured_again(
    stripe_webhooks, stripe_order, client
):
    response = deliver(
        client, event("charge.captured", charge(amount=5450, amount_captured=2000, captured=True))
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "discrepancy"
    recorded = ProviderEvent.objects.get(outcome="discrepancy")
    assert recorded.amount == Decimal("20.00")
    assert ledger.totals(order_id=stripe_order.pk).captured == ZERO
    assert not PaymentCapture.objects.filter(order=stripe_order).exists()
    assert OrderNote.objects.filter(order=stripe_order, message__contains="outside the shop")


def test_discrepancy_is_a_note_of_check_backorders_for_the_merchant(
    stripe_webhooks, stripe_order, client
):
    from oscar_backorders.payments.audit import check_payments

    deliver(client, event("charge.refunded", charge(amount_captured=450, amount_refunded=450)))
    [note] = check_payments(order_ids=[stripe_order.pk])
    assert (note.code, note.is_note) == ("provider-discrepancy", True)
    assert stripe_order.number in note.message and "outside the shop" in note.message


def test_capture_being_settled_is_not_a_discrepancy_when_stripe_reports_it_first(
    stripe_webhooks, stripe_order, client
):
    main, plain = lines_of(stripe_order)
    authorisation = authorisation_of(stripe_order)
    PaymentCapture.objects.create(
        order=stripe_order,
        authorisation=authorisation,
        sequence=1,
        idempotency_key="test:in-flight",
        amount=Decimal("4.50"),
        currency="GBP",
        line_quantities={str(plain.pk): 1},
    )
    response = deliver(
        client, event("charge.captured", charge(amount=5450, amount_captured=450, captured=True))
    )
    assert response.json()["outcome"] == "confirmed"


def test_refund_the_ledger_recorded_is_a_confirmation(stripe_webhooks, stripe_order, client):
    authorisation = authorisation_of(stripe_order)
    from oscar_backorders.locks import lock_authorisation

    locked = lock_authorisation(authorisation.pk)
    ledger.post(locked, "captured", Decimal("4.50"), note="test")
    ledger.post(locked, "refunded", Decimal("4.50"), note="test")
    response = deliver(
        client,
        event("charge.refunded", charge(amount_captured=450, amount_refunded=450, refunded=True)),
    )
    assert response.json()["outcome"] == "confirmed"


def test_refund_made_in_stripes_dashboard_is_a_discrepancy_for_the_merchant(
    stripe_webhooks, stripe_order, client
):
    authorisation = authorisation_of(stripe_order)
    from oscar_backorders.locks import lock_authorisation

    ledger.post(lock_authorisation(authorisation.pk), "captured", Decimal("4.50"), note="test")
    response = deliver(
        client, event("charge.refunded", charge(amount_captured=450, amount_refunded=200))
    )
    assert response.json()["outcome"] == "discrepancy"
    assert ledger.totals(order_id=stripe_order.pk).refunded == ZERO


# --- what is refused or ignored -----------------------------------------------------------------


def test_wrong_signature_is_refused_and_nothing_recorded(stripe_webhooks, stripe_order, client):
    response = deliver(client, event("payment_intent.canceled", intent()), secret="whsec_other")
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()
    assert authorisation_of(stripe_order).status == "active"


def test_missing_signature_is_refused_and_nothing_recorded(stripe_webhooks, stripe_order, client):
    body = json.dumps(event("payment_intent.canceled", intent())).encode()
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()


def test_signature_older_than_the_tolerance_is_refused_as_a_replay(
    stripe_webhooks, stripe_order, client, settings
):
    settings.BACKORDERS_STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    stale = int(time.time()) - 301
    response = deliver(client, event("payment_intent.canceled", intent()), at=stale)
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()


def test_signed_body_that_is_not_a_stripe_event_is_refused(stripe_webhooks, client):
    response = deliver(client, {"hello": "world"})
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()


def test_event_type_the_shop_does_not_use_is_accepted_and_ignored(
    stripe_webhooks, stripe_order, client
):
    response = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert ProviderEvent.objects.get().outcome == "ignored"


def test_payment_intent_of_another_shop_is_recorded_and_changes_nothing(
    stripe_webhooks, stripe_order, client
):
    entries = PaymentLedgerEntry.objects.count()
    response = deliver(client, event("payment_intent.canceled", intent(id="pi_elsewhere")))
    assert response.status_code == 200
    recorded = ProviderEvent.objects.get()
    assert (recorded.outcome, recorded.reference, recorded.order) == (
        "unknown",
        "pi_elsewhere",
        None,
    )
    assert PaymentLedgerEntry.objects.count() == entries
    assert authorisation_of(stripe_order).status == "active"


@pytest.mark.parametrize(
    ("gateway_path", "secret"),
    [
        (None, SECRET),
        ("oscar_backorders.payments.gateways.dummy.DummyGateway", SECRET),
        ("oscar_backorders.payments.gateways.stripe.StripeGateway", ""),
    ],
)
def test_endpoint_is_not_found_when_the_shop_did_not_set_up_stripe_webhooks(
    settings, client, gateway_path, secret
):
    settings.BACKORDERS_PAYMENT_GATEWAY = gateway_path
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_not_used"
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = secret
    reset_gateway_cache()
    try:
        response = deliver(client, event("payment_intent.canceled", intent()))
    finally:
        reset_gateway_cache()
    assert response.status_code == 404
    assert not ProviderEvent.objects.exists()


def test_endpoint_url_is_the_one_the_docs_give():
    assert reverse("oscar_backorders:payments-stripe-webhook") == URL


def test_get_is_not_allowed(stripe_webhooks, client):
    assert client.get(URL).status_code == 405
