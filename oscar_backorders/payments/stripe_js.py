"""What the pages' Stripe.js form is created with: the Payment Element, or the Card Element.

``BACKORDERS_STRIPE_ELEMENT = "payment"`` (the default) shows Stripe's Payment Element created
without an intent (Stripe's deferred-intent flow, finalised on the server)::

    stripe.elements({mode: "payment", amount, currency, captureMethod: "manual",
                     setupFutureUsage: "off_session", paymentMethodCreation: "manual",
                     paymentMethodTypes: ["card"], locale})

On submit the page calls ``elements.submit()`` then ``stripe.createPaymentMethod({elements})``
and posts the PaymentMethod id as the payment token, as the Card Element does; the server then
creates and confirms the PaymentIntent (:class:`~.gateways.stripe.StripeGateway`) with the same
capture method, future usage and payment method types, as Stripe requires of an intent created
after its Element. Only cards are offered: the plugin captures later (manual capture) and
charges again off-session, which cards allow and redirect-based methods do not, so no
``return_url`` is needed. Apple Pay and Google Pay (when the Stripe account has them on) give a
card PaymentMethod and so come along; Link is a type of its own (``"link"``) and is not offered.
``"card"`` keeps the Card Element.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

#: Stripe.js' locales (https://docs.stripe.com/js/appendix/supported_locales).
# fmt: off
STRIPE_LOCALES = frozenset([
    "ar", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
    "fr-CA", "he", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl",
    "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
])
# fmt: on

#: Django language codes whose Stripe.js locale is not their own code.
LANGUAGE_TO_LOCALE = {"zh-hans": "zh", "zh-cn": "zh", "zh-hant": "zh-TW", "nn": "nb", "no": "nb"}


def stripe_locale(language: str | None) -> str:
    """Stripe.js' locale for a Django language code (``"zh-hans"`` → ``"zh"``, ``"en-gb"`` →
    ``"en-GB"``, ``"nl-be"`` → ``"nl"``); ``"auto"`` (the browser's) when Stripe has none."""
    code = (language or "").lower()
    if code in LANGUAGE_TO_LOCALE:
        return LANGUAGE_TO_LOCALE[code]
    base, _sep, region = code.partition("-")
    for candidate in (f"{base}-{region.upper()}" if region else "", base):
        if candidate in STRIPE_LOCALES:
            return candidate
    return "auto"


def payment_element_options(amount: Decimal, currency: str, language: str | None) -> dict[str, Any]:
    """The options of ``stripe.elements()`` for a Payment Element authorising ``amount``.

    ``amount`` is what the page's post authorises (the order total at checkout, what is still
    owed on the confirm-payment page), in the currency's minor unit as Stripe counts it.
    """
    from oscar_backorders.payments.gateways.stripe import (
        PAYMENT_METHOD_TYPES,
        SETUP_FUTURE_USAGE,
        to_minor,
    )

    return {
        "mode": "payment",
        "amount": to_minor(amount, currency),
        "currency": currency.lower(),
        "captureMethod": "manual",
        "setupFutureUsage": SETUP_FUTURE_USAGE,
        "paymentMethodCreation": "manual",
        "paymentMethodTypes": list(PAYMENT_METHOD_TYPES),
        "locale": stripe_locale(language),
    }
