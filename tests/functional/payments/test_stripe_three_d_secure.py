"""3-D Secure with Stripe at checkout and on the confirm-payment page, against localstripe.

The browser's part (Stripe.js running the issuer's step) is played by posting to localstripe's
``/_authenticate`` endpoint with the publishable key and the client secret, as its fake Stripe.js
does; the server's part runs for real: the PaymentIntent is re-read and recorded only when it is
``requires_capture``.
"""

import datetime as dt
import json
import re
import urllib.request
from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_backorders.payments.confirmation import confirmation_url
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket, to_preview
from tests.payments_support import stripe_card

pytestmark = [pytest.mark.django_db, pytest.mark.localstripe]

Order = get_model("order", "Order")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")

THREE_D_SECURE_CARD = "4000002760003184"
PUBLISHABLE_KEY = "pk_test_localstripe"


@pytest.fixture
def stripe_page(stripe_gateway, localstripe_url, settings):
    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.BACKORDERS_STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    return stripe_gateway


def client_secret_in(page) -> tuple[str, str]:
    html = page.content.decode()
    secret = re.search(r'data-client-secret="(pi_\w+?_secret_\w+)"', html)
    assert secret, html[:3000]
    return secret.group(1).split("_secret_")[0], secret.group(1)


def issuer_step(localstripe_url, reference, secret, *, success=True):
    """What localstripe's Stripe.js does when the customer completes (or fails) 3-D Secure."""
    request = urllib.request.Request(
        f"{localstripe_url}/v1/payment_intents/{reference}/_authenticate?success={str(success).lower()}",
        data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def place(client, **data):
    return client.post(reverse("checkout:preview"), {"action": "place_order", **data})


@pytest.fixture
def asked_for_3ds(client, stripe_page, localstripe_url):
    add_to_basket(client, stocked_product(num_in_stock=5, price=Decimal("12.00")), 2)
    preview = to_preview(client, guest_email="ada@example.com")
    assert f"{localstripe_url}/js.stripe.com/v3/" in preview.content.decode()
    assert 'id="backorders-payment-element"' in preview.content.decode()
    page = place(client, payment_token=stripe_card(stripe_page, THREE_D_SECURE_CARD))
    assert page.status_code == 200
    return page


def test_checkout_shows_the_issuers_step_when_3ds_is_required_and_records_nothing(
    asked_for_3ds, stripe_page
):
    assert "Your card issuer asks you to confirm this payment" in asked_for_3ds.content.decode()
    reference, _secret = client_secret_in(asked_for_3ds)
    assert stripe_page.client.v1.payment_intents.retrieve(reference).status == "requires_action"
    assert not Order.objects.exists()
    assert not PaymentAuthorisation.objects.exists()


def test_order_is_placed_once_the_server_reread_the_confirmed_payment_when_3ds_completed(
    client, asked_for_3ds, localstripe_url, stripe_page
):
    reference, secret = client_secret_in(asked_for_3ds)
    issuer_step(localstripe_url, reference, secret)

    response = place(client, payment_intent=reference)

    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert (authorisation.reference, authorisation.amount) == (reference, order.total_incl_tax)
    # A reload or double post does not authorise or record twice.
    place(client, payment_intent=reference)
    assert PaymentAuthorisation.objects.count() == 1 and Order.objects.count() == 1


def test_posted_payment_is_not_recorded_while_3ds_is_unfinished_when_the_browser_says_done(
    client, asked_for_3ds
):
    reference, _secret = client_secret_in(asked_for_3ds)
    page = place(client, payment_intent=reference)  # the browser claims; Stripe says otherwise
    assert "Your card issuer asks you to confirm this payment" in page.content.decode()
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()


def test_nothing_is_recorded_and_the_customer_told_when_3ds_failed(
    client, asked_for_3ds, localstripe_url
):
    reference, secret = client_secret_in(asked_for_3ds)
    issuer_step(localstripe_url, reference, secret, success=False)
    page = place(client, payment_intent=reference)
    assert "Your payment was declined" in page.content.decode()
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()


def test_forged_payment_id_is_refused_with_a_clear_message_when_it_is_another_payment(
    client, asked_for_3ds, stripe_page
):
    other = stripe_page.client.v1.payment_intents.create(
        params={
            "amount": 2400,
            "currency": "gbp",
            "payment_method": stripe_card(stripe_page),
            "capture_method": "manual",
            "confirm": True,
        }
    )
    assert other.status == "requires_capture"  # authorised, but not this checkout's payment
    page = place(client, payment_intent=other.id)
    assert "This payment confirmation is not for this order" in page.content.decode()
    assert not Order.objects.exists() and not PaymentAuthorisation.objects.exists()


def test_confirm_payment_page_records_the_reread_payment_when_3ds_completed(
    client, stripe_page, localstripe_url, strategy, today, run_on_commit
):
    from oscar_backorders.payments.checkout import authorise_order
    from tests.helpers import basket_with
    from tests.helpers import place as place_order

    order = place_order(basket_with(strategy, (stocked_product(num_in_stock=0), 1)))
    authorise_order(order.pk, payment_token=stripe_card(stripe_page))
    stripe_page.capabilities = Capabilities(reauthorise=False, client_confirmation=True)
    try:
        run_on_commit(
            refresh_expiring_authorisations, now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
        )
    finally:
        stripe_page.capabilities = type(stripe_page).capabilities
    waiting = PaymentAuthorisation.objects.get(order=order)
    assert waiting.status == "needs_customer"
    url = confirmation_url(waiting)
    assert 'id="backorders-payment-element"' in client.get(url).content.decode()

    page = client.post(url, {"payment_token": stripe_card(stripe_page, THREE_D_SECURE_CARD)})
    assert PaymentAuthorisation.objects.filter(order=order).count() == 1
    reference, secret = client_secret_in(page)
    forged = client.post(url, {"payment_intent": waiting.reference})
    assert "not for this order" in forged.content.decode()
    page = client.post(url, {"payment_token": stripe_card(stripe_page, THREE_D_SECURE_CARD)})
    reference, secret = client_secret_in(page)
    issuer_step(localstripe_url, reference, secret)

    response = run_on_commit(client.post, url, {"payment_intent": reference}, follow=True)

    assert "your payment is confirmed" in response.content.decode()
    old, fresh = PaymentAuthorisation.objects.filter(order=order).order_by("pk")
    assert (old.status, fresh.status, fresh.reference) == ("replaced", "active", reference)


def test_returning_to_the_preview_shows_the_card_form_when_3ds_was_left_unfinished(
    client, asked_for_3ds
):
    page = client.get(reverse("checkout:preview"))
    html = page.content.decode()
    assert 'data-client-secret=""' in html and "backorders-payment-element" in html
