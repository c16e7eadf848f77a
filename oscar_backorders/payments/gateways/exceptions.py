"""Errors a payment gateway raises, each carrying the provider's answer.

:class:`GatewayError` subclasses the plugin's :class:`~oscar_backorders.exceptions.BackorderError`;
subclasses say what the plugin should do: a decline is final for that payment method, a timeout
may or may not have moved money (retry with the same idempotency key), an expired authorisation
needs a new one.
"""

from __future__ import annotations

from typing import Any

from oscar_backorders.exceptions import BackorderError


class GatewayError(BackorderError):
    """A payment provider refused or failed a request."""

    def __init__(self, message: str, *, provider_response: Any = None, code: str = "") -> None:
        self.provider_response = provider_response
        self.code = code
        super().__init__(message)


class PaymentDeclined(GatewayError):
    """The provider declined: retrying the same request will not help."""


class GatewayTimeout(GatewayError):
    """No answer in time: money may or may not have moved; retry with the same key."""


class AuthorisationExpired(GatewayError):
    """The authorisation can no longer be captured; a new one is needed."""


class IdempotencyConflict(GatewayError):
    """An idempotency key was reused with different parameters."""


class ActionRequired(GatewayError):
    """The customer must act in the browser first (3-D Secure): nothing is authorised yet.

    ``reference`` is the provider's payment (a Stripe PaymentIntent id) and ``client_secret``
    what the provider's script needs to run the action. Once the customer acted, the page posts
    ``reference`` back and the gateway's ``confirmed_authorisation`` re-reads it at the provider.
    """

    def __init__(
        self,
        message: str,
        *,
        reference: str,
        client_secret: str,
        provider_response: Any = None,
    ) -> None:
        self.reference = reference
        self.client_secret = client_secret
        super().__init__(message, provider_response=provider_response, code="requires_action")


class AuthorisationMismatch(PaymentDeclined):
    """A payment posted back by the browser is not the one this order asked for (another
    order's, another amount, or not authorised at the provider): nothing is recorded."""


__all__ = [
    "ActionRequired",
    "AuthorisationExpired",
    "AuthorisationMismatch",
    "GatewayError",
    "GatewayTimeout",
    "IdempotencyConflict",
    "PaymentDeclined",
]
