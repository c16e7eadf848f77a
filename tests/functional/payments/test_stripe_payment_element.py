"""Stripe's Payment Element on the checkout preview and the confirm-payment page, on localstripe.

The page is read as the browser gets it: the options ``stripe.elements()`` is created with come
from the page's JSON. Posting the PaymentMethod id the Element made authorises as the Card
Element's did. (3-D Secure on both pages: ``test_stripe_three_d_secure.py``; in a browser:
``test_browser_stripe_card.py``.)
"""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.confirmation import confirmation_url
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket, to_preview
from tests.helpers import basket_with
from tests.helpers import place as place_order
from tests.payments_support import stripe_card

pytestmark = [pytest.mark.django_db, pytest.mark.localstripe]

Order = get_model("order", "Order")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


@pytest.fixture(autouse=True)
def language_restored():
    """Each request activates its language in this thread; later tests must not inherit it."""
    previous = translation.get_language()
    yield
    translation.activate(previous)


@pytest.fixture
def stripe_page(stripe_gateway, localstripe_url, settings):
    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.BACKORDERS_STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    return stripe_gateway


def elements_options(page) -> dict:
    html = page.content.decode()
    found = re.search(
        r'<script id="backorders-elements-options" type="application/json">(.*?)</script>', html
    )
    assert found, html[:3000]
    return json.loads(found.group(1))


def preview_of_24_pounds(client):
    add_to_basket(client, stocked_product(num_in_stock=5, price=Decimal("12.00")), 2)
    return to_preview(client, guest_email="ada@example.com")


def test_preview_creates_the_payment_element_for_the_order_total_in_minor_units_when_stripe_pays(
    client, stripe_page
):
    preview = preview_of_24_pounds(client)

    html = preview.content.decode()
    assert 'id="backorders-payment-element"' in html and 'data-element="payment"' in html
    assert 'id="backorders-card-element"' not in html
    assert elements_options(preview) == {
        "mode": "payment",
        "amount": 2400,
        "currency": "gbp",
        "captureMethod": "manual",
        "setupFutureUsage": "off_session",
        "paymentMethodCreation": "manual",
        "paymentMethodTypes": ["card"],
        "locale": "en-GB",
    }


@pytest.mark.parametrize(
    ("language", "locale"), [("en-gb", "en-GB"), ("nl", "nl"), ("zh-hans", "zh"), ("id", "id")]
)
def test_payment_element_speaks_the_customers_language_when_the_shop_is_served_in_it(
    client, stripe_page, language, locale
):
    with translation.override(language):
        preview = preview_of_24_pounds(client)
    assert elements_options(preview)["locale"] == locale


def test_payment_method_from_the_element_is_authorised_as_before_when_the_order_is_placed(
    client, stripe_page
):
    preview_of_24_pounds(client)

    response = client.post(
        reverse("checkout:preview"),
        {"action": "place_order", "payment_token": stripe_card(stripe_page)},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert (authorisation.amount, authorisation.status) == (Decimal("24.00"), "active")
    intent = stripe_page.client.v1.payment_intents.retrieve(authorisation.reference)
    # The intent matches the Element: manual capture, set up for the later shipments, cards.
    assert (intent.status, intent.amount, intent.currency) == ("requires_capture", 2400, "gbp")
    assert (intent.capture_method, intent.setup_future_usage) == ("manual", "off_session")


def test_card_element_is_shown_when_the_shop_keeps_the_card_element(client, stripe_page, settings):
    settings.BACKORDERS_STRIPE_ELEMENT = "card"

    preview = preview_of_24_pounds(client)

    html = preview.content.decode()
    assert 'id="backorders-card-element"' in html and 'data-element="card"' in html
    assert 'id="backorders-payment-element"' not in html
    assert elements_options(preview) == {"locale": "en-GB"}


def test_confirm_page_creates_the_payment_element_for_what_is_still_owed_when_a_renewal_failed(
    client, stripe_page, strategy, today, run_on_commit
):
    order = place_order(
        basket_with(strategy, (stocked_product(num_in_stock=0, price=Decimal("20.00")), 1))
    )
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

    page = client.get(confirmation_url(waiting))

    options = elements_options(page)
    assert (options["amount"], options["currency"]) == (int(waiting.amount * 100), "gbp")
    assert (options["captureMethod"], options["setupFutureUsage"]) == ("manual", "off_session")
    assert 'id="backorders-payment-element"' in page.content.decode()
