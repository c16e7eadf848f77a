"""Gateways without a browser step keep the token path; a posted payment id is not a shortcut."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket, to_preview

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


def test_posted_payment_id_is_refused_and_nothing_recorded_when_the_gateway_takes_tokens(
    client, gateway
):
    add_to_basket(client, stocked_product(num_in_stock=3, price=Decimal("8.00")), 1)
    preview = to_preview(client, guest_email="ada@example.com")
    assert "backorders-card" not in preview.content.decode()  # no Stripe.js for this gateway

    page = client.post(
        reverse("checkout:preview"), {"action": "place_order", "payment_intent": "pi_forged"}
    )

    assert "This payment confirmation is not for this order" in page.content.decode()
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()
    assert gateway.money_moves("authorise") == []
    placed = client.post(
        reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )
    assert placed.status_code == 302
    assert PaymentAuthorisation.objects.get().amount == Order.objects.get().total_incl_tax


def test_another_card_after_a_decline_is_a_new_request_when_the_first_was_declined(client, gateway):
    add_to_basket(client, stocked_product(num_in_stock=3, price=Decimal("8.00")), 1)
    to_preview(client, guest_email="ada@example.com")
    place = {"action": "place_order"}
    declined = client.post(reverse("checkout:preview"), {**place, "payment_token": "decline"})
    assert "Your payment was declined" in declined.content.decode()
    client.post(reverse("checkout:preview"), {**place, "payment_token": "ok"})
    first, second = (call.idempotency_key for call in gateway.calls if call.method == "authorise")
    # Providers keep a declined answer under its key: the second card must not replay it.
    assert first != second
    assert PaymentAuthorisation.objects.get().amount == Order.objects.get().total_incl_tax
