"""A test payment gateway: no money, every call recorded, failures on demand.

For the sandbox and for shops' own tests (``BACKORDERS_PAYMENT_GATEWAY =
"oscar_backorders.payments.gateways.dummy.DummyGateway"``). It keeps its state in memory, honours
idempotency keys like a real provider (same key and parameters: the first answer again, no money
moves; same key, other parameters: :class:`IdempotencyConflict`), and can be told to fail::

    gateway = get_gateway()
    gateway.fail_next("capture", "decline")   # or "timeout", "expired", "timeout_after"
    gateway.expire(authorisation_reference)

``"timeout_after"`` moves the money and then times out, as when a provider answers too late.

At checkout the payment token chooses the outcome: ``"decline"`` and ``"timeout"`` fail, anything
else authorises.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils import timezone

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

FAILURES = ("decline", "timeout", "expired", "timeout_after")


def _uid() -> str:
    # Unique across processes: references are stored with a unique constraint.
    return uuid.uuid4().hex[:16]


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _parse_amount(reference: str, *, parts: int) -> Decimal | None:
    """The amount a reference carries (``auth_dummy_<id>_<cents>_<expiry>``, ``ch_dummy_<id>_<cents>``)."""
    pieces = reference.split("_")
    if len(pieces) != parts or not pieces[3].isdigit():
        return None
    return Decimal(pieces[3]) / 100


@dataclass(slots=True)
class Call:
    """One request the gateway received (``replayed``: answered from the idempotency cache)."""

    method: str
    params: dict[str, Any]
    idempotency_key: str
    replayed: bool = False
    outcome: str = "ok"


@dataclass(slots=True)
class HeldAmount:
    reference: str
    amount: Decimal
    currency: str
    payment_method: str
    expires_at: datetime.datetime
    captured: Decimal = Decimal("0.00")
    released: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    closed: bool = False
    captures: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.captured - self.released


class DummyGateway:
    name = "dummy"

    def __init__(
        self,
        *,
        capabilities: Capabilities | None = None,
        validity: datetime.timedelta = datetime.timedelta(days=7),
    ) -> None:
        self.capabilities = capabilities or Capabilities(
            multiple_captures=True,
            partial_capture_releases_remainder=False,
            partial_release=True,
            reauthorise=True,
            stored_payment_methods=True,
        )
        self.validity = validity
        self._lock = threading.RLock()
        self.reset()

    # --- test controls -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every call, authorisation and planned failure."""
        with self._lock:
            self.calls: list[Call] = []
            self.authorisations: dict[str, HeldAmount] = {}
            self.capture_amounts: dict[str, Decimal] = {}
            self._answers: dict[str, tuple[str, dict[str, Any], Any]] = {}
            self._failures: dict[str, list[str]] = {}

    def fail_next(self, method: str, how: str) -> None:
        """Make the next ``method`` call (``"capture"``, ``"authorise"``…) fail ``how``."""
        if how not in FAILURES:
            raise ValueError(f"Unknown failure {how!r}; use one of {', '.join(FAILURES)}.")
        with self._lock:
            self._failures.setdefault(method, []).append(how)

    def expire(self, reference: str) -> None:
        """Make an authorisation uncapturable from now on."""
        with self._lock:
            held = self.authorisations[reference]
            held.expires_at = timezone.now() - datetime.timedelta(seconds=1)

    def money_moves(self, method: str) -> list[Call]:
        """Calls of ``method`` that moved money (not replays, not failures)."""
        return [
            c for c in self.calls if c.method == method and not c.replayed and c.outcome == "ok"
        ]

    @property
    def total_captured(self) -> Decimal:
        return sum((h.captured for h in self.authorisations.values()), Decimal("0.00"))

    @property
    def total_refunded(self) -> Decimal:
        return sum((h.refunded for h in self.authorisations.values()), Decimal("0.00"))

    def held(self, reference: str) -> Decimal:
        """What the provider still holds of an authorisation (nothing once it lapsed)."""
        with self._lock:
            held = self.authorisations.get(reference)
            if held is None or held.expires_at <= timezone.now():
                return Decimal("0.00")
            return held.remaining

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
        params = {"amount": amount, "currency": currency, "order_number": order_number}
        if payment_token in ("decline", "timeout"):
            self.fail_next("authorise", payment_token)
        return self._call(
            "authorise",
            params,
            idempotency_key,
            lambda: self._hold(amount, currency, payment_method=f"pm_dummy_{order_number}"),
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
        params = {"authorisation": authorisation_reference, "amount": amount, "final": final}

        def move() -> Capture:
            held = self._held(authorisation_reference)
            self._check_positive(amount)
            if amount > held.remaining:
                raise GatewayError(
                    f"Capture of {amount} exceeds the {held.remaining} left on "
                    f"{authorisation_reference}.",
                    provider_response={"remaining": str(held.remaining)},
                    code="amount_too_large",
                )
            held.captured += amount
            reference = f"ch_dummy_{_uid()}_{_cents(amount)}"
            held.captures.append(reference)
            self.capture_amounts[reference] = amount
            releases = final or not self.capabilities.multiple_captures
            if releases:
                held.released += held.remaining
                held.closed = True
            return Capture(reference=reference, amount=amount, remainder_released=releases)

        return self._call("capture", params, idempotency_key, move)

    def release(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        remainder: bool,
    ) -> Release:
        params = {
            "authorisation": authorisation_reference,
            "amount": amount,
            "remainder": remainder,
        }

        def move() -> Release:
            held = self.authorisations.get(authorisation_reference) or self._adopt(
                authorisation_reference
            )
            if held is None:
                raise GatewayError(f"No authorisation {authorisation_reference}.", code="missing")
            self._check_positive(amount)
            if amount > held.remaining:
                raise GatewayError(
                    f"Release of {amount} exceeds the {held.remaining} left.", code="too_large"
                )
            if not remainder and not self.capabilities.partial_release:
                raise GatewayError("This gateway cannot release part of an authorisation.")
            held.released += held.remaining if remainder else amount
            held.closed = held.remaining == 0
            return Release(reference=f"void_dummy_{_uid()}", amount=amount)

        return self._call("release", params, idempotency_key, move)

    def refund(
        self,
        capture_reference: str,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
    ) -> Release:
        params = {"capture": capture_reference, "amount": amount}

        def move() -> Release:
            self._check_positive(amount)
            captured = self.capture_amounts.get(capture_reference)
            if captured is None:
                captured = _parse_amount(capture_reference, parts=4)
            if captured is None or amount > captured:
                raise GatewayError(
                    f"Refund of {amount} exceeds what {capture_reference} captured.",
                    code="too_large",
                )
            self.capture_amounts[capture_reference] = captured - amount
            for held in self.authorisations.values():
                if capture_reference in held.captures:
                    held.refunded += amount
            return Release(reference=f"re_dummy_{_uid()}", amount=amount)

        return self._call("refund", params, idempotency_key, move)

    def reauthorise(
        self,
        authorisation_reference: str,
        *,
        amount: Decimal,
        currency: str,
        payment_method: str,
        idempotency_key: str,
    ) -> Authorisation:
        params = {"authorisation": authorisation_reference, "amount": amount}

        def move() -> Authorisation:
            # The old hold stays: the plugin releases it once the new one is recorded.
            return self._hold(amount, currency, payment_method=payment_method)

        return self._call("reauthorise", params, idempotency_key, move)

    # --- internals -------------------------------------------------------------------------------

    def _hold(self, amount: Decimal, currency: str, *, payment_method: str) -> Authorisation:
        self._check_positive(amount)
        expires_at = timezone.now() + self.validity
        reference = f"auth_dummy_{_uid()}_{_cents(amount)}_{int(expires_at.timestamp())}"
        self.authorisations[reference] = HeldAmount(
            reference, amount, currency, payment_method, expires_at
        )
        return Authorisation(
            reference=reference,
            amount=amount,
            currency=currency,
            expires_at=expires_at,
            payment_method=payment_method,
        )

    def _held(self, reference: str) -> HeldAmount:
        held = self.authorisations.get(reference) or self._adopt(reference)
        if held is None:
            raise GatewayError(f"No authorisation {reference}.", code="missing")
        if held.expires_at <= timezone.now():
            raise AuthorisationExpired(
                f"Authorisation {reference} expired at {held.expires_at:%Y-%m-%d %H:%M}.",
                provider_response={"expires_at": held.expires_at.isoformat()},
                code="expired",
            )
        if held.closed:
            raise GatewayError(f"Authorisation {reference} is closed.", code="closed")
        return held

    def _adopt(self, reference: str) -> HeldAmount | None:
        """An authorisation made by another process (sandbox web server vs Celery worker, or
        before a restart): its amount and deadline are in its reference."""
        amount = _parse_amount(reference, parts=5)
        if amount is None:
            return None
        expires = datetime.datetime.fromtimestamp(int(reference.rsplit("_", 1)[1]), tz=datetime.UTC)
        held = HeldAmount(reference, amount, "", "", expires)
        self.authorisations[reference] = held
        return held

    @staticmethod
    def _check_positive(amount: Decimal) -> None:
        if amount <= 0:
            raise GatewayError(f"Amounts must be positive (got {amount}).", code="bad_amount")

    def _call(self, method: str, params: dict[str, Any], key: str, move: Any) -> Any:
        with self._lock:
            call = Call(method, params, key)
            self.calls.append(call)
            planned = self._failures.get(method) or []
            if planned and planned[0] == "timeout":
                # The network fails whether or not the provider has seen the key before.
                planned.pop(0)
                call.outcome = "timeout"
                raise GatewayTimeout("The payment provider did not answer in time.")
            if key in self._answers:
                seen_method, seen_params, answer = self._answers[key]
                if (seen_method, seen_params) != (method, params):
                    call.outcome = "conflict"
                    raise IdempotencyConflict(
                        f"Idempotency key {key} was used for other parameters.",
                        provider_response={"first": seen_params, "now": params},
                        code="idempotency_conflict",
                    )
                call.replayed = True
                return replace(answer)
            how = planned.pop(0) if planned else None
            if how == "decline":
                call.outcome = "declined"
                raise PaymentDeclined(
                    "The card was declined.", provider_response={"decline_code": "generic"}
                )
            if how == "timeout":
                call.outcome = "timeout"
                raise GatewayTimeout("The payment provider did not answer in time.")
            if how == "expired":
                call.outcome = "expired"
                # As at a real provider: an authorisation that says it expired holds nothing.
                held = self.authorisations.get(params.get("authorisation", ""))
                if held is not None:
                    held.expires_at = min(held.expires_at, timezone.now())
                raise AuthorisationExpired("The authorisation has expired.", code="expired")
            try:
                answer = move()
            except GatewayError as exc:
                call.outcome = exc.code or "error"
                raise
            self._answers[key] = (method, params, answer)
            if how == "timeout_after":
                call.outcome = "ok"
                raise GatewayTimeout("The payment provider answered too late.")
            return answer
