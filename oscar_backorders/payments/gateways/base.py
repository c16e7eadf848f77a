"""The payment gateway protocol the plugin talks to, and the plain data it exchanges.

A gateway wraps one payment provider. The plugin authorises at checkout, captures as units
ship, releases (voids) what will never ship, refunds what was captured for units later
cancelled, and re-authorises ahead of an authorisation's deadline. Every call that moves money
takes an ``idempotency_key``: calling again with the same key must not move money again and must
return the first call's answer (the plugin retries after timeouts and crashes with the same key).

Errors are the typed exceptions of :mod:`oscar_backorders.payments.gateways.exceptions`, each
carrying the provider's answer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider can do; the plugin adapts its flow to these, never to a provider name."""

    #: Several partial captures against one authorisation (else one capture ends it).
    multiple_captures: bool = False
    #: A partial capture releases the rest of the authorisation (Stripe without multicapture).
    partial_capture_releases_remainder: bool = True
    #: Part of an authorisation can be released while the rest stays capturable.
    partial_release: bool = False
    #: A new authorisation can be taken without the customer (stored payment method).
    reauthorise: bool = False
    #: The customer's payment method is stored for later off-session charges.
    stored_payment_methods: bool = False
    #: Authorisation may need the customer in the browser (3-D Secure): ``authorise`` raises
    #: ``ActionRequired`` and the gateway has ``confirmed_authorisation(reference, *, amount,
    #: currency, order_number) -> Authorisation``, which re-reads the payment at the provider.
    client_confirmation: bool = False


@dataclass(frozen=True, slots=True)
class Authorisation:
    """A provider's answer to an authorisation.

    ``expires_at`` comes from the provider's answer (when it says); ``None`` means the provider
    did not say, and the plugin falls back to ``BACKORDERS_PAYMENT_AUTHORISATION_VALIDITY_DAYS``.
    """

    reference: str
    amount: Decimal
    currency: str
    expires_at: datetime.datetime | None = None
    payment_method: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Capture:
    """A provider's answer to a capture (``reference``: the provider's id of the money moved)."""

    reference: str
    amount: Decimal
    #: The provider released the uncaptured rest of the authorisation with this capture.
    remainder_released: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Release:
    """A provider's answer to a void/release or a refund."""

    reference: str
    amount: Decimal
    raw: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PaymentGateway(Protocol):
    """What the plugin needs from a payment provider (see the module docstring).

    Amounts are ``Decimal`` in the currency's major unit (``Decimal("12.50")``), never negative.
    """

    #: Short name, stored on every record (``"dummy"``, ``"stripe"``).
    name: str
    capabilities: Capabilities

    def authorise(
        self,
        *,
        amount: Decimal,
        currency: str,
        order_number: str,
        payment_token: str,
        idempotency_key: str,
    ) -> Authorisation:
        """Hold ``amount`` on the customer's payment method without debiting it."""
        ...

    def capture(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        final: bool = False,
    ) -> Capture:
        """Debit ``amount`` of an authorisation (``final``: nothing more will be captured)."""
        ...

    def release(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        remainder: bool,
    ) -> Release:
        """Give up ``amount`` of an authorisation (``remainder``: all that is left of it)."""
        ...

    def refund(
        self,
        capture_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
    ) -> Release:
        """Pay back ``amount`` of a capture."""
        ...

    def reauthorise(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        payment_method: str,
        idempotency_key: str,
    ) -> Authorisation:
        """Take a fresh authorisation of ``amount`` off-session (stored payment method).

        Leaves the old authorisation as it is: the plugin records the new one, then releases
        what the old one still holds with :meth:`release` (the same way as after a customer's
        confirmation), so every provider lets the old hold go the same way.
        """
        ...
