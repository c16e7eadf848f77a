"""The options the pages' Stripe.js form is created with (oscar_backorders.payments.stripe_js)."""

from decimal import Decimal

import pytest

from oscar_backorders.payments.stripe_js import payment_element_options, stripe_locale


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("en", "en"),
        ("en-gb", "en-GB"),
        ("nl", "nl"),
        ("nl-be", "nl"),
        ("zh-hans", "zh"),
        ("zh-hant", "zh-TW"),
        ("id", "id"),
        ("pt-br", "pt-BR"),
        ("fy", "auto"),
        (None, "auto"),
    ],
)
def test_stripe_locale_follows_the_active_language_when_stripe_has_it(language, locale):
    assert stripe_locale(language) == locale


def test_payment_element_amount_is_in_the_currencys_minor_unit_when_created():
    assert payment_element_options(Decimal("54.50"), "GBP", "en")["amount"] == 5450
    yen = payment_element_options(Decimal("5450"), "JPY", "en")
    assert (yen["amount"], yen["currency"]) == (5450, "jpy")


def test_payment_element_matches_the_checkout_intent_when_created():
    from oscar_backorders.payments.gateways.stripe import PAYMENT_METHOD_TYPES, SETUP_FUTURE_USAGE

    options = payment_element_options(Decimal("10.00"), "EUR", "nl")
    assert options["paymentMethodTypes"] == list(PAYMENT_METHOD_TYPES) == ["card"]
    assert options["setupFutureUsage"] == SETUP_FUTURE_USAGE == "off_session"
    assert (options["captureMethod"], options["paymentMethodCreation"]) == ("manual", "manual")
    assert options["mode"] == "payment"
