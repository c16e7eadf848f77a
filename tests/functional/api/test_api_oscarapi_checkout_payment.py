"""A shop that opted into the plugin's payments (``BACKORDERS_PAYMENT_GATEWAY``, as the sandbox
does) authorises the order total at oscarapi's checkout exactly as at the web checkout: the
card's ``payment_token`` comes in the request body."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_backorders.payments.gateways.base import Authorisation
from oscar_backorders.payments.gateways.exceptions import ActionRequired
from tests.factories import stocked_product
from tests.functional.api.oscarapi_checkout import add, checkout
from tests.functional.payments.test_checkout_to_final_capture import guest_checkout_to_preview

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


def money_records(order):
    """Everything a checkout records about an order's money, without ids, numbers and times."""
    sources = [
        (
            source.source_type.name,
            bool(source.reference),
            source.amount_allocated,
            source.amount_debited,
            sorted((t.txn_type, t.amount, t.status) for t in source.transactions.all()),
        )
        for source in order.sources.all()
    ]
    events = sorted(
        (
            event.event_type.name,
            event.amount,
            sorted(q.quantity for q in event.line_quantities.all()),
        )
        for event in order.payment_events.all()
    )
    authorisations = [
        (a.gateway, a.currency, a.amount, a.amount_captured, a.amount_released, a.status)
        for a in order.backorder_authorisations.all()
    ]
    ledger = sorted((e.kind, e.amount) for e in order.backorder_ledger.all())
    captures = sorted((c.sequence, c.amount, c.status) for c in order.backorder_captures.all())
    return sources, events, authorisations, ledger, captures


@pytest.mark.parametrize("at_checkout", ["authorise", "capture_in_stock"])
def test_checkout_records_the_web_checkouts_authorisation_when_payments_are_opted_in(
    api, client, today, gateway, run_on_commit, settings, at_checkout
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = at_checkout
    guest_checkout_to_preview(client, stocked_product(num_in_stock=2, price=Decimal("12.00")), 5)
    placed = run_on_commit(
        client.post, reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )
    assert placed.status_code == 302
    web = Order.objects.get()
    web_calls = [(c.method, c.params["amount"]) for c in gateway.calls]

    gateway.reset()
    basket = add(api, stocked_product(num_in_stock=2, price=Decimal("12.00")), 5)
    response = run_on_commit(checkout, api, basket, payment_token="ok")

    assert response.status_code == 200, response.json()
    headless = Order.objects.get(number=response.json()["number"])
    assert [(c.method, c.params["amount"]) for c in gateway.calls] == web_calls
    assert gateway.calls[0].params["order_number"] == headless.number
    assert money_records(headless) == money_records(web)
    assert money_records(headless)[2][0][2] == Decimal("60.00")  # the total is authorised
    money = response.json()["backorders"]["money"]
    assert money["authorised"] == "60.00"


def test_declined_card_is_refused_with_its_message_and_no_order_when_payments_are_opted_in(
    api, today, gateway
):
    product = stocked_product(num_in_stock=1)
    basket = add(api, product, 3)

    response = checkout(api, basket, payment_token="decline")

    assert response.status_code == 400, response.content
    (message,) = response.json()["payment_token"]
    assert message.startswith("Your payment was declined") and "Nothing has been charged" in message
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()
    assert not ShippingAddress.objects.exists() and not BackorderLine.objects.exists()
    assert StockRecord.objects.get(product=product).num_allocated == 0
    assert gateway.money_moves("authorise") == []
    # Another card for the same basket is a new request, and places the order.
    retried = checkout(api, basket, payment_token="ok")
    assert retried.status_code == 200, retried.json()
    assert PaymentAuthorisation.objects.get().amount == Decimal("30.00")


def test_checkout_asks_for_the_card_when_payments_are_opted_in_and_none_is_given(
    api, today, gateway
):
    response = checkout(api, add(api, stocked_product(num_in_stock=1), 1))

    assert response.status_code == 400
    assert response.json() == {"payment_token": ["Enter the card to pay with."]}
    assert not Order.objects.exists() and gateway.calls == []


def test_checkout_answers_503_and_writes_nothing_when_the_provider_times_out(api, today, gateway):
    response = checkout(api, add(api, stocked_product(num_in_stock=1), 1), payment_token="timeout")

    assert response.status_code == 503
    assert "no payment has been taken" in response.json()["detail"]
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()


def test_authorisation_is_released_when_the_cap_refuses_the_order_after_it(api, today, gateway):
    product = stocked_product(num_in_stock=0, cap=3)
    basket = add(api, product, 3)
    StockRecord.objects.filter(product=product).update(num_allocated=2)  # others took 2 meanwhile

    response = checkout(api, basket, payment_token="ok")

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("Only 1 of")
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()
    (authorised,) = gateway.money_moves("authorise")
    assert authorised.params["amount"] == Decimal("30.00")
    assert len(gateway.money_moves("release")) == 1  # not held until it lapses
    assert sum(gateway.held(ref) for ref in gateway.authorisations) == Decimal("0.00")


def test_order_is_placed_once_the_issuer_confirmed_when_the_card_asked_for_3ds(
    api, today, gateway, monkeypatch
):
    """A gateway with the browser step (Stripe): 402 with what Stripe.js needs, then the client
    posts the confirmed payment back as ``payment_intent``; only that one is accepted."""

    def asks_for_3ds(**kwargs):
        raise ActionRequired("authenticate", reference="pi_123", client_secret="pi_123_secret_x")

    def confirmed_authorisation(reference, *, amount, currency, order_number):
        return Authorisation(reference=reference, amount=amount, currency=currency)

    monkeypatch.setattr(gateway, "authorise", asks_for_3ds)
    monkeypatch.setattr(gateway, "confirmed_authorisation", confirmed_authorisation, raising=False)
    monkeypatch.setattr(
        gateway, "capabilities", replace(gateway.capabilities, client_confirmation=True)
    )
    basket = add(api, stocked_product(num_in_stock=1), 1)

    response = checkout(api, basket, payment_token="pm_1")

    assert response.status_code == 402
    data = response.json()
    assert data["payment_action"] == {"reference": "pi_123", "client_secret": "pi_123_secret_x"}
    assert data["payment_token"][0].startswith("Your card issuer asks you to confirm this payment")
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()

    forged = checkout(api, basket, payment_intent="pi_other")
    assert forged.status_code == 400
    assert forged.json()["payment_token"][0].startswith("This payment confirmation is not for")
    assert not Order.objects.exists()

    checkout(api, basket, payment_token="pm_1")  # asks again: the step is pending once more
    placed = checkout(api, basket, payment_intent="pi_123")
    assert placed.status_code == 200, placed.json()
    authorisation = PaymentAuthorisation.objects.get()
    assert (authorisation.reference, authorisation.amount) == ("pi_123", Decimal("10.00"))


def test_second_post_of_a_placed_basket_leaves_the_orders_authorisation_held(api, today, gateway):
    basket = add(api, stocked_product(num_in_stock=1), 2)
    assert checkout(api, basket, payment_token="ok").status_code == 200
    # A double post that passed oscarapi's frozen-basket check before the first froze it.
    get_model("basket", "Basket").objects.update(status="Open")

    again = checkout(api, basket, payment_token="ok")

    assert again.status_code == 406  # oscarapi: "There is already an order with number …"
    authorisation = PaymentAuthorisation.objects.get()
    assert gateway.money_moves("release") == []
    assert gateway.held(authorisation.reference) == authorisation.amount == Decimal("20.00")
    assert Order.objects.count() == 1
