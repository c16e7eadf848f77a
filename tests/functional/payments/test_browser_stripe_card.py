"""The card form and 3-D Secure step in Chromium (checkout and confirm-payment), on localstripe.

Stripe.js is localstripe's stand-in (``BACKORDERS_STRIPE_JS_URL`` points at it): its Card
Element is a row of plain inputs and its 3-D Secure step is a "Complete authentication" dialog.
It has no ``createPaymentMethod`` (a no-op there), so this test supplies that one call: the
browser posts the typed card to a route the test answers by creating the PaymentMethod at
localstripe. Everything else (the page's script, the issuer's step, the server re-reading the
PaymentIntent) runs as in production. Screenshots: ``var/screenshots/stripe-confirm-payment/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.confirmation import confirmation_url
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from tests.browser import Journey
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import stripe_card

pytestmark = [pytest.mark.browser, pytest.mark.localstripe, pytest.mark.django_db(transaction=True)]

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")

# Playwright's sync API keeps an event loop in the test's thread; the test's own ORM calls
# (building the order, reading what was recorded) are synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: Appended to localstripe's Stripe.js: ``createPaymentMethod`` for its fake Card Element.
CREATE_PAYMENT_METHOD = """
;(function () {
  const fake = Stripe;
  Stripe = function (key) {
    const stripe = fake(key);
    stripe.createPaymentMethod = async function (options) {
      const response = await fetch(LOCALSTRIPE_BASE_API + "/_test/payment_methods", {
        method: "POST", body: JSON.stringify(options.card.value.card)});
      return {paymentMethod: await response.json()};
    };
    return stripe;
  };
})();
"""


@pytest.fixture
def waiting_order(stripe_gateway, localstripe_url, settings, strategy, run_on_commit):
    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.BACKORDERS_STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    order = place(basket_with(strategy, (stocked_product(num_in_stock=0, price=Decimal("20")), 1)))
    authorisation = authorise_order(order.pk, payment_token=stripe_card(stripe_gateway))
    stripe_gateway.capabilities = Capabilities(reauthorise=False, client_confirmation=True)
    try:
        run_on_commit(
            refresh_expiring_authorisations, now=authorisation.expires_at - dt.timedelta(days=1)
        )
    finally:
        stripe_gateway.capabilities = type(stripe_gateway).capabilities
    authorisation.refresh_from_db()
    assert authorisation.status == "needs_customer"
    return order, authorisation


def serve_localstripe_js(page, localstripe_url, stripe_gateway):
    """localstripe's Stripe.js, with the ``createPaymentMethod`` it lacks."""

    def supply_stripe_js(route):
        original = route.fetch()
        route.fulfill(response=original, body=original.text() + CREATE_PAYMENT_METHOD)

    def create_payment_method(route):
        card = json.loads(route.request.post_data)
        method = stripe_gateway.client.v1.payment_methods.create(
            params={"type": "card", "card": {**card, "exp_month": int(card["exp_month"])}}
        )
        route.fulfill(
            json={"id": method.id}, headers={"Access-Control-Allow-Origin": "*"}, status=200
        )

    page.route(f"{localstripe_url}/js.stripe.com/v3/", supply_stripe_js)
    page.route(f"{localstripe_url}/_test/payment_methods", create_payment_method)


def type_card(page, number="4000002760003184"):  # a card whose issuer asks for 3-D Secure
    inputs = page.locator("#backorders-card-element input")
    for placeholder, value in [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ]:
        inputs.and_(page.locator(f"[placeholder={placeholder}]")).fill(value)


def test_customer_confirms_payment_in_a_browser_when_the_issuer_asks_for_3ds(
    live_server, browser_page, waiting_order, stripe_gateway, localstripe_url
):
    order, waiting = waiting_order
    page = browser_page
    serve_localstripe_js(page, localstripe_url, stripe_gateway)
    journey = Journey(page, "stripe-confirm-payment")

    page.goto(live_server.url + confirmation_url(waiting))
    journey.step("card-form", expects=["Confirm payment for order", "Card"])
    type_card(page)
    page.locator("#confirm_payment_form button[type=submit]").click()
    page.get_by_role("button", name="Fail authentication").click()  # the customer gives up
    page.get_by_text("Your payment was declined").wait_for()
    journey.step("issuer-step-failed", expects=["The card issuer did not confirm the payment."])
    assert PaymentAuthorisation.objects.filter(order=order).count() == 1  # nothing recorded

    type_card(page)  # and tries again
    page.locator("#confirm_payment_form button[type=submit]").click()

    page.get_by_role("button", name="Complete authentication").wait_for()
    journey.step("issuer-step", expects=["Your card issuer asks you to confirm this payment."])
    assert PaymentAuthorisation.objects.filter(order=order).count() == 1  # nothing recorded yet
    page.get_by_role("button", name="Complete authentication").click()

    page.get_by_text("your payment is confirmed").wait_for()
    journey.step("confirmed", expects=["The payment of this order needs nothing from you."])
    old, fresh = PaymentAuthorisation.objects.filter(order=order).order_by("pk")
    assert (old.status, fresh.status) == ("replaced", "active")
    intent = stripe_gateway.client.v1.payment_intents.retrieve(fresh.reference)
    assert intent.status == "requires_capture"


def test_guest_places_an_order_in_a_browser_when_the_issuer_asks_for_3ds(
    live_server, browser_page, stripe_gateway, localstripe_url, settings
):
    from oscar.test.factories import CountryFactory

    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.BACKORDERS_STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    CountryFactory(iso_3166_1_a2="GB", printable_name="United Kingdom", is_shipping_country=True)
    product = stocked_product(num_in_stock=4, price=Decimal("15.00"))
    page = browser_page
    serve_localstripe_js(page, localstripe_url, stripe_gateway)
    journey = Journey(page, "stripe-checkout")

    page.goto(live_server.url + product.get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state("load")
    page.goto(live_server.url + "/checkout/")
    page.fill("#id_username", "ada@example.com")
    page.check("input[name=options][value=anonymous]")
    page.locator("form button[type=submit]", has_text="Continue").click()
    page.wait_for_load_state("load")
    for field, value in [
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("line1", "1 Analytical Row"),
        ("line4", "London"),
        ("postcode", "N1 9GU"),
    ]:
        page.fill(f"#new_shipping_address [name={field}]", value)
    country = page.locator("#new_shipping_address select[name=country]")
    if country.count():  # Oscar hides the choice when the shop ships to one country
        country.select_option("GB")
    page.locator("#new_shipping_address button[type=submit]").click()
    page.wait_for_load_state("load")
    page.get_by_text("Continue").click()  # Oscar's payment-details page: on to the preview
    page.wait_for_url("**/checkout/preview/")
    journey.step("preview-card-form", expects=["Card"])
    type_card(page)
    page.locator("#place-order").click()

    page.get_by_role("button", name="Complete authentication").wait_for()
    journey.step("issuer-step", expects=["Your card issuer asks you to confirm this payment"])
    assert not PaymentAuthorisation.objects.exists()  # nothing recorded before the step
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url("**/checkout/thank-you/")
    journey.step("thank-you", expects=["authorised on your card"])
    authorisation = PaymentAuthorisation.objects.get()
    intent = stripe_gateway.client.v1.payment_intents.retrieve(authorisation.reference)
    assert (intent.status, intent.amount) == ("requires_capture", 1500)
