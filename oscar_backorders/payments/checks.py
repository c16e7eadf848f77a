"""System checks of the payments side (ids ``oscar_backorders.E101`` …, each with a hint)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def check_payments(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from oscar.core.loading import get_class

    from oscar_backorders.app_settings import backorder_settings
    from oscar_backorders.exceptions import BackorderConfigurationError
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
    if gateway.name == "dummy" and not settings.DEBUG:
        messages.append(
            checks.Warning(
                "The test payment gateway is active: no money is ever taken.",
                hint=(
                    "Set BACKORDERS_PAYMENT_GATEWAY to a real provider, e.g. "
                    '"oscar_backorders.payments.gateways.stripe.StripeGateway".'
                ),
                id="oscar_backorders.W101",
            )
        )
    if not issubclass(get_class("checkout.views", "PaymentDetailsView"), AuthoriseAtCheckoutMixin):
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
