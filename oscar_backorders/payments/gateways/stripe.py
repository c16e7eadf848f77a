"""Stripe PaymentIntents with manual capture, through the official ``stripe`` package.

    BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.stripe.StripeGateway"
    BACKORDERS_STRIPE_SECRET_KEY = "sk_live_…"

- Checkout: the payment token is a PaymentMethod id (``pm_…``) made by Stripe.js on the page.
  The adapter creates a Customer, attaches the PaymentMethod to it (so later shipments can be
  charged off-session), and confirms a card PaymentIntent with ``capture_method="manual"`` and
  ``setup_future_usage="off_session"`` (the values the page's Payment Element is created with,
  :mod:`oscar_backorders.payments.stripe_js`), asking for multicapture and extended
  authorisation ``"if_available"``.
- 3-D Secure: an intent that answers ``requires_action`` raises :class:`ActionRequired` with its
  client secret; the page runs Stripe.js' next action and posts the intent id back, and
  :meth:`StripeGateway.confirmed_authorisation` re-reads the intent and accepts it only when it
  is this order's, for this amount, and ``requires_capture`` (never the browser's word).
- The capture deadline is the charge's ``payment_method_details.card.capture_before`` (later
  with an extended authorisation) when Stripe sends it, else
  ``BACKORDERS_PAYMENT_AUTHORISATION_VALIDITY_DAYS``.
- Capture: ``amount_to_capture``. When the charge says ``multicapture.status == "available"``
  (read from the intent at each capture: Stripe's answer, not a setting), a capture that is not
  the last is sent with ``final_capture=False`` and the rest stays authorised. Otherwise a
  PaymentIntent is captured once and Stripe releases the rest
  (``partial_capture_releases_remainder``); the plugin then re-authorises what the order still
  owes off-session from the stored PaymentMethod.
- Release: cancelling the PaymentIntent releases it all; Stripe cannot release part of an
  authorisation (the plugin then simply captures less).
- Refund: a Refund of the shipment's charge.

Every request carries the plugin's idempotency key.
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
    ActionRequired,
    AuthorisationExpired,
    AuthorisationMismatch,
    GatewayError,
    GatewayTimeout,
    IdempotencyConflict,
    PaymentDeclined,
)
from oscar_backorders.payments.gateways.minor_units import (  # noqa: F401 (re-exported)
    ZERO_DECIMAL,
    from_minor,
    to_minor,
)


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


#: The checkout's PaymentIntent: the payment method types it accepts (cards; Apple Pay and
#: Google Pay pay by card) and how its payment method is used later (off-session, for the
#: shipments still to come). The page's Payment Element is created with the same values, as
#: Stripe requires when the intent is created after the Element.
PAYMENT_METHOD_TYPES = ("card",)
SETUP_FUTURE_USAGE = "off_session"

#: Asked at every authorisation; Stripe grants each where the card and account allow it and
#: says so on the charge (``payment_method_details.card.multicapture`` / ``.extended_authorization``).
CARD_OPTIONS = {
    "card": {
        "request_multicapture": "if_available",
        "request_extended_authorization": "if_available",
    }
}


def card_details(charge: Any) -> dict[str, Any]:
    """``payment_method_details.card`` of a charge (a StripeObject or a dict), or ``{}``."""
    data = charge.to_dict() if hasattr(charge, "to_dict") else dict(charge or {})
    return (data.get("payment_method_details") or {}).get("card") or {}


def multicapture_available(card: dict[str, Any]) -> bool:
    """Stripe's answer: several captures may be made against this authorisation."""
    return (card.get("multicapture") or {}).get("status") == "available"


def _charge_id(intent: Any) -> str | None:
    """``latest_charge`` is an id, or the charge itself when expanded (localstripe expands it)."""
    charge = getattr(intent, "latest_charge", None)
    if charge is None or isinstance(charge, str):
        return charge
    return getattr(charge, "id", None)


class StripeGateway:
    name = "stripe"
    capabilities = Capabilities(
        # The account's floor: multicapture is decided per authorisation from Stripe's answer.
        multiple_captures=False,
        partial_capture_releases_remainder=True,
        partial_release=False,
        reauthorise=True,
        stored_payment_methods=True,
        client_confirmation=True,
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

    def _card(self, intent: Any) -> dict[str, Any]:
        charge = getattr(intent, "latest_charge", None)
        if isinstance(charge, str):
            charge = self.client.v1.charges.retrieve(charge)
        return card_details(charge) if charge is not None else {}

    def _authorisation(self, intent: Any) -> Authorisation:
        response = intent.to_dict() if hasattr(intent, "to_dict") else None
        if intent.status == "requires_action":
            raise ActionRequired(
                "The card issuer asks the customer to confirm the payment (3-D Secure).",
                reference=intent.id,
                client_secret=intent.client_secret,
                provider_response=response,
            )
        if intent.status != "requires_capture":
            raise PaymentDeclined(
                f"The payment was not authorised (status {intent.status}).",
                provider_response=response,
                code=intent.status,
            )
        card = self._card(intent)
        capture_before = card.get("capture_before")
        expires_at = (
            datetime.datetime.fromtimestamp(capture_before, tz=datetime.UTC)
            if capture_before
            else None
        )
        currency = intent.currency.upper()
        return Authorisation(
            reference=intent.id,
            amount=from_minor(intent.amount, currency),
            currency=currency,
            expires_at=expires_at,
            payment_method=f"{intent.customer}/{intent.payment_method}",
            raw={
                "status": intent.status,
                "multicapture": (card.get("multicapture") or {}).get("status", ""),
                "extended_authorization": (card.get("extended_authorization") or {}).get(
                    "status", ""
                ),
            },
        )

    def _intent(self, params: dict[str, Any], key: str) -> Authorisation:
        params = {
            **params,
            "payment_method_types": list(PAYMENT_METHOD_TYPES),
            "payment_method_options": CARD_OPTIONS,
        }
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
                "setup_future_usage": SETUP_FUTURE_USAGE,
                "confirm": True,
                # Confirmed here, a 3-D Secure step is then run by Stripe.js' handleNextAction.
                "use_stripe_sdk": True,
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
        params: dict[str, Any] = {"amount_to_capture": to_minor(amount, currency)}
        try:
            if not final:
                # Decided from the provider's answer on this authorisation, the same on every
                # retry of this capture (so a replayed key carries the same parameters).
                current = self.client.v1.payment_intents.retrieve(
                    authorisation_reference, params={"expand": ["latest_charge"]}
                )
                if multicapture_available(self._card(current)):
                    params["final_capture"] = False
            intent = self.client.v1.payment_intents.capture(
                authorisation_reference,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except stripe_sdk.StripeError as exc:
            raise _translate(exc, expired_if_unexpected_state=True) from exc
        keeps_rest = params.get("final_capture") is False
        return Capture(
            reference=_charge_id(intent) or intent.id,
            amount=amount,
            remainder_released=not keeps_rest,
            raw={"status": intent.status, "multicapture": keeps_rest},
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

    def confirmed_authorisation(
        self, reference: str, *, amount: Decimal, currency: str, order_number: str
    ) -> Authorisation:
        """The authorisation of a PaymentIntent the customer confirmed in the browser.

        Re-reads the intent at Stripe: it must be this order's (metadata), for this amount and
        currency, with manual capture, and ``requires_capture``; otherwise
        :class:`AuthorisationMismatch` (or :class:`ActionRequired` again while the customer has
        not finished, :class:`PaymentDeclined` when authentication failed).
        """
        if not (isinstance(reference, str) and reference.startswith("pi_")):
            raise AuthorisationMismatch(f"{reference!r} is not a Stripe payment.", code="mismatch")
        try:
            intent = self.client.v1.payment_intents.retrieve(
                reference, params={"expand": ["latest_charge"]}
            )
        except stripe_sdk.InvalidRequestError as exc:
            raise AuthorisationMismatch(
                f"Stripe knows no payment {reference}.", code="mismatch"
            ) from exc
        except stripe_sdk.StripeError as exc:
            raise _translate(exc) from exc
        metadata = intent.to_dict().get("metadata") or {}
        expected = (str(order_number), to_minor(amount, currency), currency.lower(), "manual")
        found = (
            metadata.get("order_number"),
            intent.amount,
            intent.currency,
            intent.capture_method,
        )
        if found != expected:
            raise AuthorisationMismatch(
                f"Payment {reference} is not the payment of order {order_number} for "
                f"{amount} {currency.upper()}.",
                provider_response=intent.to_dict(),
                code="mismatch",
            )
        if intent.status == "requires_payment_method":
            raise PaymentDeclined(
                "The card issuer did not confirm the payment.",
                provider_response=intent.to_dict(),
                code="authentication_failed",
            )
        return self._authorisation(intent)

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
