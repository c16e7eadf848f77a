"""System checks of the payments side (ids ``oscar_backorders.E101`` …, each with a hint)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


def _under_test_runner() -> bool:
    """Django's test environment is set up (it swaps in the in-memory outbox): a shop's own tests
    run with DEBUG off, and the test gateway is what they are meant to use."""
    from django.core import mail

    return hasattr(mail, "outbox")


@checks.register()
def check_payments(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from oscar.core.loading import get_class

    from oscar_backorders.app_settings import backorder_settings
    from oscar_backorders.exceptions import BackorderConfigurationError
    from oscar_backorders.loading import own_handle_payment
    from oscar_backorders.payments.checkout import AuthoriseAtCheckoutMixin
    from oscar_backorders.payments.gateways import get_gateway
    from oscar_backorders.payments.upfront import CHOICES

    messages: list[checks.CheckMessage] = []
    at_checkout = backorder_settings.PAYMENT_AT_CHECKOUT
    if at_checkout not in CHOICES:
        messages.append(
            checks.Error(
                f"BACKORDERS_PAYMENT_AT_CHECKOUT is {at_checkout!r}; it must be one of "
                + ", ".join(repr(choice) for choice in CHOICES)
                + ".",
                hint=(
                    '"authorise" holds the order total until it ships; "capture_in_stock" '
                    "captures what ships from stock at checkout and authorises the rest."
                ),
                id="oscar_backorders.E104",
            )
        )
    if not backorder_settings.PAYMENT_GATEWAY:
        # Pay-when-it-ships is off: the shop's checkout pays as it always did, unless a fork
        # composed the plugin's mixin, which then has no gateway to authorise with.
        view = get_class("checkout.views", "PaymentDetailsView")
        if issubclass(view, AuthoriseAtCheckoutMixin):
            messages.append(
                checks.Error(
                    f"{view.__module__}.{view.__qualname__} composes AuthoriseAtCheckoutMixin, "
                    "but BACKORDERS_PAYMENT_GATEWAY is not set: every order would fail at "
                    "payment.",
                    hint=(
                        "Set BACKORDERS_PAYMENT_GATEWAY to opt into pay-when-it-ships, or remove "
                        "the mixin from your PaymentDetailsView to keep the shop's own payment."
                    ),
                    id="oscar_backorders.E122",
                )
            )
        return messages
    try:
        gateway = get_gateway()
    except BackorderConfigurationError as exc:
        return [
            *messages,
            checks.Error(
                str(exc),
                hint="Point BACKORDERS_PAYMENT_GATEWAY at a PaymentGateway class.",
                id="oscar_backorders.E101",
            ),
        ]
    if gateway.name == "dummy" and not settings.DEBUG and not _under_test_runner():
        messages.append(
            checks.Error(
                "BACKORDERS_PAYMENT_GATEWAY is the test gateway, which never takes money, and "
                "DEBUG is off.",
                hint=(
                    "Set BACKORDERS_PAYMENT_GATEWAY to a real provider, e.g. "
                    '"oscar_backorders.payments.gateways.stripe.StripeGateway", or remove it to '
                    "leave payments to the shop's own checkout."
                ),
                id="oscar_backorders.E121",
            )
        )
    if gateway.name == "stripe" and not backorder_settings.STRIPE_WEBHOOK_SECRET:
        messages.append(
            checks.Warning(
                "The Stripe gateway is on without BACKORDERS_STRIPE_WEBHOOK_SECRET: the shop "
                "learns that Stripe let an authorisation go only when a capture fails.",
                hint=(
                    "Add a webhook endpoint in Stripe's dashboard for "
                    "<shop>/backorders/payments/stripe/webhook/ and set "
                    "BACKORDERS_STRIPE_WEBHOOK_SECRET to its signing secret (docs/payments.md)."
                ),
                id="oscar_backorders.W103",
            )
        )
    if gateway.capabilities.client_confirmation and not backorder_settings.STRIPE_PUBLISHABLE_KEY:
        messages.append(
            checks.Warning(
                "The payment gateway takes the card in the browser, but "
                "BACKORDERS_STRIPE_PUBLISHABLE_KEY is empty: the checkout and the confirm-payment "
                "page show no card form.",
                hint=(
                    "Set BACKORDERS_STRIPE_PUBLISHABLE_KEY to your publishable key (pk_…), or "
                    "post payment tokens from your own client-side form (docs/payments.md, Stripe)."
                ),
                id="oscar_backorders.W104",
            )
        )
    if apps.is_installed("oscarapi"):
        # django-oscar-api's checkout places orders too (the API package alone imports it).
        messages.extend(import_string("oscar_backorders.api.oscarapi.checks.check_checkout")())
    view = get_class("checkout.views", "PaymentDetailsView")
    if issubclass(view, AuthoriseAtCheckoutMixin):
        return messages
    own = own_handle_payment(view)
    if own is not None:
        messages.append(
            checks.Error(
                f"Pay-when-it-ships is on (BACKORDERS_PAYMENT_GATEWAY), but the shop's "
                f"PaymentDetailsView takes payment in its own handle_payment "
                f"({own.__module__}.{own.__qualname__}); the plugin does not replace it.",
                hint=(
                    "Either remove BACKORDERS_PAYMENT_GATEWAY and keep the shop's own payment, or "
                    "compose oscar_backorders.payments.checkout.AuthoriseAtCheckoutMixin in front "
                    "of your PaymentDetailsView and drop its handle_payment (README, "
                    '"Shops that forked checkout").'
                ),
                id="oscar_backorders.E120",
            )
        )
    else:
        messages.append(
            checks.Warning(
                "The checkout does not authorise through the plugin, so orders cannot be "
                "captured as they ship.",
                hint=(
                    'Use OSCAR_DYNAMIC_CLASS_LOADER = "oscar_backorders.loading.class_loader", '
                    "or add oscar_backorders.payments.checkout.AuthoriseAtCheckoutMixin to a "
                    "forked PaymentDetailsView."
                ),
                id="oscar_backorders.W102",
            )
        )
    return messages
