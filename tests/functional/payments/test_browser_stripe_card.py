"""Stripe's Payment Element, its Card Element and the 3-D Secure step in Chromium (checkout and
confirm-payment), on localstripe.

Stripe.js is localstripe's stand-in (``BACKORDERS_STRIPE_JS_URL`` points at it): its Card
Element is a row of plain inputs and its 3-D Secure step is a "Complete authentication" dialog.
It has no Payment Element, no ``elements.submit``, no ``handleNextAction`` and no
``createPaymentMethod`` (a no-op there), so this test appends :data:`STAND_IN` to it, which
supplies only the Stripe.js calls the page makes, as Stripe documents them:

- ``stripe.elements(options)``: with ``mode: "payment"`` (the Payment Element created without an
  intent) it records the options and ``create("payment")`` mounts localstripe's card inputs in
  its place; ``elements.submit()`` refuses an empty card number. Other options go to localstripe.
- ``stripe.createPaymentMethod({elements})`` / ``({type: "card", card})``: the browser posts the
  typed card to a route the test answers by creating the PaymentMethod at localstripe.
- ``stripe.handleNextAction({clientSecret})``: localstripe's own 3-D Secure dialog and its
  ``/_authenticate`` endpoint (its ``confirmCardPayment``).

Every call is listed in ``sessionStorage`` so the test can assert the page used these calls.
Everything else (the page's script, the PaymentIntent, the issuer's step at localstripe, the
server re-reading the PaymentIntent) runs as in production. The real Stripe.js from
js.stripe.com is not reachable here and is not tested. Screenshots:
``var/screenshots/stripe-*``.
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
from oscar_backorders.payments.gateways.stripe import to_minor
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

#: Appended to localstripe's Stripe.js: the calls of Stripe.js the page makes that it lacks.
STAND_IN = """
;(function () {
  const localstripe = Stripe;
  function called(name) {
    const calls = JSON.parse(sessionStorage.getItem("standInCalls") || "[]");
    calls.push(name);
    sessionStorage.setItem("standInCalls", JSON.stringify(calls));
  }
  Stripe = function (key) {
    const stripe = localstripe(key);
    const cardElements = stripe.elements;
    stripe.elements = function (options) {
      const group = cardElements();
      if (!options || options.mode !== "payment") {
        called("elements");
        return group;
      }
      called("elements:" + JSON.stringify(options));
      const createCard = group.create;
      group.create = function (type) {
        if (type !== "payment") { throw new Error("stand-in: only the Payment Element"); }
        called("create:payment");
        return createCard.call(group, "card");
      };
      group.getElement = function (type) {
        return type === "payment" ? group._cardElement : null;
      };
      group.submit = async function () {
        called("submit");
        const element = group._cardElement;
        if (!element || !element.value || !element.value.card.number) {
          return {error: {type: "validation_error", message: "Your card number is incomplete."}};
        }
        return {};
      };
      return group;
    };
    stripe.createPaymentMethod = async function (options) {
      const element = options.elements ? options.elements.getElement("payment") : options.card;
      called(options.elements ? "createPaymentMethod:elements" : "createPaymentMethod:card");
      const response = await fetch(LOCALSTRIPE_BASE_API + "/_test/payment_methods", {
        method: "POST", body: JSON.stringify(element.value.card)});
      return {paymentMethod: await response.json()};
    };
    stripe.handleNextAction = async function (options) {
      called("handleNextAction");
      return stripe.confirmCardPayment(options.clientSecret);
    };
    return stripe;
  };
})();
"""


def stand_in_calls(page) -> list[str]:
    return json.loads(page.evaluate("sessionStorage.getItem('standInCalls') || '[]'"))


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
    """localstripe's Stripe.js, with the calls it lacks (:data:`STAND_IN`)."""

    def supply_stripe_js(route):
        original = route.fetch()
        route.fulfill(response=original, body=original.text() + STAND_IN)

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


def type_card(page, number="4000002760003184", *, element="card"):  # 3-D Secure asked
    inputs = page.locator(f"#backorders-{element}-element input")
    for placeholder, value in [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ]:
        inputs.and_(page.locator(f"[placeholder={placeholder}]")).fill(value)


#: What each form is labelled, and the Stripe.js calls the page makes with it.
FORMS = {
    "payment": (
        "Payment",
        ["create:payment", "submit", "createPaymentMethod:elements", "handleNextAction"],
    ),
    "card": ("Card", ["elements", "createPaymentMethod:card", "handleNextAction"]),
}


def elements_created_for(page) -> dict:
    """The options the page created its Payment Element with (the stand-in recorded them)."""
    created = [call for call in stand_in_calls(page) if call.startswith("elements:")]
    assert created, stand_in_calls(page)
    return json.loads(created[-1].removeprefix("elements:"))


@pytest.mark.parametrize("element", ["payment", "card"])
def test_customer_confirms_payment_in_a_browser_when_the_issuer_asks_for_3ds(
    live_server, browser_page, waiting_order, stripe_gateway, localstripe_url, settings, element
):
    settings.BACKORDERS_STRIPE_ELEMENT = element
    label, calls = FORMS[element]
    order, waiting = waiting_order
    page = browser_page
    serve_localstripe_js(page, localstripe_url, stripe_gateway)
    journey = Journey(page, f"stripe-confirm-payment-{element}")

    page.goto(live_server.url + confirmation_url(waiting))
    journey.step("card-form", expects=["Confirm payment for order", label])
    if element == "payment":
        options = elements_created_for(page)
        assert (options["amount"], options["currency"]) == (to_minor(waiting.amount, "GBP"), "gbp")
        assert (options["captureMethod"], options["setupFutureUsage"]) == ("manual", "off_session")
        # Sent with no card: Elements refuses it on the page and nothing is posted.
        page.locator("#confirm_payment_form button[type=submit]").click()
        page.get_by_text("Your card number is incomplete.").wait_for()
        journey.step("card-incomplete", expects=["Your card number is incomplete."])
    type_card(page, element=element)
    page.locator("#confirm_payment_form button[type=submit]").click()
    page.get_by_role("button", name="Fail authentication").click()  # the customer gives up
    page.get_by_text("Your payment was declined").wait_for()
    journey.step("issuer-step-failed", expects=["The card issuer did not confirm the payment."])
    assert PaymentAuthorisation.objects.filter(order=order).count() == 1  # nothing recorded

    type_card(page, element=element)  # and tries again
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
    assert set(calls) <= set(stand_in_calls(page)), stand_in_calls(page)


@pytest.mark.parametrize("element", ["payment", "card"])
def test_guest_places_an_order_in_a_browser_when_the_issuer_asks_for_3ds(
    live_server, browser_page, stripe_gateway, localstripe_url, settings, element
):
    from oscar.test.factories import CountryFactory

    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.BACKORDERS_STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    settings.BACKORDERS_STRIPE_ELEMENT = element
    label, calls = FORMS[element]
    CountryFactory(iso_3166_1_a2="GB", printable_name="United Kingdom", is_shipping_country=True)
    product = stocked_product(num_in_stock=4, price=Decimal("15.00"))
    page = browser_page
    serve_localstripe_js(page, localstripe_url, stripe_gateway)
    journey = Journey(page, f"stripe-checkout-{element}")

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
    journey.step("preview-card-form", expects=[label])
    if element == "payment":
        options = elements_created_for(page)
        assert (options["amount"], options["currency"], options["locale"]) == (1500, "gbp", "en-GB")
    type_card(page, element=element)
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
    assert set(calls) <= set(stand_in_calls(page)), stand_in_calls(page)
