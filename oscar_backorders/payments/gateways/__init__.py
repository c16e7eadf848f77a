"""Payment gateways: the protocol (:mod:`.base`), a test gateway (:mod:`.dummy`), Stripe (:mod:`.stripe`).

The shop chooses one with ``BACKORDERS_PAYMENT_GATEWAY`` (a dotted path to a class or a factory
that takes no arguments); :func:`get_gateway` builds it once per setting value.
"""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderConfigurationError
from oscar_backorders.payments.gateways.base import PaymentGateway


@cache
def _build(path: str) -> PaymentGateway:
    try:
        factory = import_string(path)
    except ImportError as exc:
        raise BackorderConfigurationError(
            f"BACKORDERS_PAYMENT_GATEWAY = {path!r} cannot be imported: {exc}"
        ) from exc
    gateway = factory()
    if not isinstance(gateway, PaymentGateway):
        raise BackorderConfigurationError(
            f"BACKORDERS_PAYMENT_GATEWAY = {path!r} does not implement "
            "oscar_backorders.payments.gateways.base.PaymentGateway."
        )
    return gateway


def payments_enabled() -> bool:
    """Whether the shop opted into pay-when-it-ships (``BACKORDERS_PAYMENT_GATEWAY`` is set)."""
    return bool(backorder_settings.PAYMENT_GATEWAY)


def get_gateway() -> PaymentGateway:
    """The shop's gateway (``BACKORDERS_PAYMENT_GATEWAY``), built once per setting value.

    Raises :class:`BackorderConfigurationError` when pay-when-it-ships is off (no gateway set).
    """
    path = backorder_settings.PAYMENT_GATEWAY
    if not path:
        raise BackorderConfigurationError(
            "Pay-when-it-ships is off: BACKORDERS_PAYMENT_GATEWAY is not set, so the plugin "
            "neither authorises nor captures payments."
        )
    return _build(path)


def reset_gateway_cache() -> None:
    """Forget built gateways (tests that change the gateway's state between cases call this)."""
    _build.cache_clear()
