"""The system check of oscarapi's checkout, run by :func:`oscar_backorders.payments.checks.
check_payments` when the shop opted into payments and serves django-oscar-api."""

from __future__ import annotations

from django.core import checks


def check_checkout() -> list[checks.CheckMessage]:
    """``oscar_backorders.W105``: oscarapi's checkout does not authorise through the plugin."""
    from oscarapi.utils.loading import get_api_class

    from oscar_backorders.api.oscarapi.serializers.checkout import CheckoutSerializer

    serializer = get_api_class("serializers.checkout", "CheckoutSerializer")
    if issubclass(serializer, CheckoutSerializer):
        return []
    return [
        checks.Warning(
            "Pay-when-it-ships is on (BACKORDERS_PAYMENT_GATEWAY), but django-oscar-api's "
            f"checkout uses {serializer.__module__}.{serializer.__qualname__}, which places "
            "orders without authorising them through the plugin.",
            hint=(
                'Add "oscar_backorders.api.oscarapi" to OSCARAPI_OVERRIDE_MODULES, or subclass '
                "oscar_backorders.api.oscarapi.serializers.checkout.CheckoutSerializer in your "
                "own override module; if your own payment view authorises orders placed over "
                "the API, call oscar_backorders.payments.checkout.authorise_order there "
                "(docs/api.md, Headless checkout)."
            ),
            id="oscar_backorders.W105",
        )
    ]
