"""Stripe PaymentIntents with manual capture, through the official ``stripe`` package.

    BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.stripe.StripeGateway"
    BACKORDERS_STRIPE_SECRET_KEY = "sk_live_…"

- Checkout: the payment token is a PaymentMethod id (``pm_…``) made by Stripe.js on the page.
  The adapter creates a Customer, attaches the PaymentMethod to it (so later shipments can be
  charged off-session), and confirms a PaymentIntent with ``capture_method="manual"``.
- The capture deadline is the charge's ``payment_method_details.card.capture_before`` when Stripe
  sends it, else ``BACKORDERS_PAYMENT_AUTHORISATION_VALIDITY_DAYS``.
- Capture: ``amount_to_capture``. Without Stripe's multicapture, a PaymentIntent is captured
  once and Stripe releases the rest (``partial_capture_releases_remainder``); the plugin then
  re-authorises what the order still owes off-session from the stored PaymentMethod.
- Release: cancelling the PaymentIntent releases it all; Stripe cannot release part of an
  authorisation (the plugin then simply captures less).
- Refund: a Refund of the shipment's charge.

Every request carries the plugin's idempotency key. 3-D Secure during checkout
(``requires_action``) is reported as a decline here: a shop that needs it confirms the
PaymentIntent client-side and passes its id as the token (see docs/payments.md).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import stripe as stripe_sdk

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderConfigurationError
from oscar_backorders.payments.gateways.base import (
    Authorisation,
    Capabilities,
    Capture,
    Release,
)
from oscar_backorders.payments.gateways.exceptions import (
    AuthorisationExpired,
    GatewayError,
    GatewayTimeout,
    IdempotencyConflict,
    PaymentDeclined,
)

#: ISO currencies Stripe counts in whole units (no minor unit).
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)


def to_minor(amount: Decimal, currency: str) -> int:
    factor = 1 if currency.lower() in ZERO_DECIMAL else 100
    minor = amount * factor
    if minor != minor.to_integral_value():
        raise GatewayError(f"{amount} {currency} has more decimals than the currency allows.")
    return int(minor)


def from_minor(amount: int, currency: str) -> Decimal:
    if currency.lower() in ZERO_DECIMAL:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def _translate(
    exc: stripe_sdk.StripeError, *, expired_if_unexpected_state: bool = False
) -> GatewayError:
    body = getattr(exc, "json_body", None)
    code = getattr(exc, "code", "") or ""
    message = getattr(exc, "user_message", None) or str(exc)
    if isinstance(exc, stripe_sdk.CardError):
        return PaymentDeclined(message, provider_response=body, code=code or "card_declined")
    if isinstance(exc, stripe_sdk.APIConnectionError):
        return GatewayTimeout(message, provider_response=body, code="connection")
    if isinstance(exc, stripe_sdk.IdempotencyError):
        return IdempotencyConflict(message, provider_response=body, code="idempotency")
    if expired_if_unexpected_state and code == "payment_intent_unexpected_state":
        return AuthorisationExpired(message, provider_response=body, code=code)
    return GatewayError(message, provider_response=body, code=code)


def _charge_id(intent: Any) -> str | None:
    """``latest_charge`` is an id, or the charge itself when expanded (localstripe expands it)."""
    charge = getattr(intent, "latest_charge", None)
    if charge is None or isinstance(charge, str):
        return charge
    return getattr(charge, "id", None)


class StripeGateway:
    name = "stripe"
    capabilities = Capabilities(
        multiple_captures=False,
        partial_capture_releases_remainder=True,
        partial_release=False,
        reauthorise=True,
        stored_payment_methods=True,
    )

    def __init__(self, *, api_key: str | None = None, api_base: str | None = None) -> None:
        api_key = api_key or backorder_settings.STRIPE_SECRET_KEY
        if not api_key:
            raise BackorderConfigurationError(
                "Set BACKORDERS_STRIPE_SECRET_KEY to use the Stripe payment gateway."
            )
        api_base = api_base or backorder_settings.STRIPE_API_BASE
        options: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe_sdk.StripeClient(api_key, **options)

    # --- helpers ---------------------------------------------------------------------------------

    def _authorisation(self, intent: Any) -> Authorisation:
        if intent.status != "requires_capture":
            raise PaymentDeclined(
                f"The payment was not authorised (status {intent.status}).",
                provider_response=intent.to_dict() if hasattr(intent, "to_dict") else None,
                code=intent.status,
            )
        expires_at = None
        charge_id = _charge_id(intent)
        if charge_id:
            charge = self.client.v1.charges.retrieve(charge_id)
            details = charge.to_dict().get("payment_method_details") or {}
            card = details.get("card") or {}
            capture_before = card.get("capture_before")
            if capture_before:
                expires_at = datetime.datetime.fromtimestamp(capture_before, tz=datetime.UTC)
        currency = intent.currency.upper()
        return Authorisation(
            reference=intent.id,
            amount=from_minor(intent.amount, currency),
            currency=currency,
            expires_at=expires_at,
            payment_method=f"{intent.customer}/{intent.payment_method}",
            raw={"status": intent.status},
        )

    def _intent(self, params: dict[str, Any], key: str) -> Authorisation:
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": key}
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc) from exc
        return self._authorisation(intent)

    # --- the protocol ----------------------------------------------------------------------------

    def authorise(
        self,
        *,
        amount: Decimal,
        currency: str,
        order_number: str,
        payment_token: str,
        idempotency_key: str,
    ) -> Authorisation:
        try:
            customer = self.client.v1.customers.create(
                params={"metadata": {"order_number": order_number}},
                options={"idempotency_key": f"{idempotency_key}:customer"},
            )
            self.client.v1.payment_methods.attach(
                payment_token,
                params={"customer": customer.id},
                options={"idempotency_key": f"{idempotency_key}:attach"},
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc) from exc
        return self._intent(
            {
                "amount": to_minor(amount, currency),
                "currency": currency.lower(),
                "customer": customer.id,
                "payment_method": payment_token,
                "capture_method": "manual",
                "confirm": True,
                "metadata": {"order_number": order_number},
            },
            idempotency_key,
        )

    def capture(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        final: bool = False,
    ) -> Capture:
        try:
            intent = self.client.v1.payment_intents.capture(
                authorisation_reference,
                params={"amount_to_capture": to_minor(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc, expired_if_unexpected_state=True) from exc
        return Capture(
            reference=_charge_id(intent) or intent.id,
            amount=amount,
            remainder_released=True,
            raw={"status": intent.status},
        )

    def release(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        remainder: bool,
    ) -> Release:
        if not remainder:
            raise GatewayError("Stripe cannot release part of an authorisation.")
        try:
            intent = self.client.v1.payment_intents.cancel(
                authorisation_reference, options={"idempotency_key": idempotency_key}
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc) from exc
        return Release(reference=intent.id, amount=amount, raw={"status": intent.status})

    def refund(
        self,
        capture_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
    ) -> Release:
        try:
            refund = self.client.v1.refunds.create(
                params={"charge": capture_reference, "amount": to_minor(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc) from exc
        return Release(reference=refund.id, amount=amount)

    def reauthorise(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        payment_method: str,
        idempotency_key: str,
    ) -> Authorisation:
        customer, _sep, method = payment_method.partition("/")
        if not (customer.startswith("cus_") and method):
            raise GatewayError(f"No stored Stripe payment method in {payment_method!r}.")
        fresh = self._intent(
            {
                "amount": to_minor(amount, currency),
                "currency": currency.lower(),
                "customer": customer,
                "payment_method": method,
                "capture_method": "manual",
                "confirm": True,
                "off_session": True,
            },
            idempotency_key,
        )
        return fresh
