"""Capture a planned shipment's value exactly once, and retry failed captures.

:func:`settle_capture` calls the gateway with the capture's idempotency key (derived from the
order, the shipment's number and the authorisation), then records the outcome under the
capture's row lock. Every step is safe to repeat: the provider answers a repeated key with its
first answer and moves no money, and a capture already recorded as captured is never recorded
again. A crash between the provider's answer and the database commit leaves the capture
``pending``; the next attempt replays the key and records it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import InvalidShippingEvent
from oscar.apps.partner.exceptions import InvalidStockAdjustment
from oscar.core.loading import get_class, get_model

from oscar_backorders import services, signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.payments.abstract_models import AuthorisationStatus, CaptureStatus
from oscar_backorders.payments.authorise import (
    CAPTURED_EVENT,
    SHIPPED_EVENT,
    SHIPPED_EVENT_CODE,
    active_authorisation,
    idempotency_key,
    payment_event_type,
)
from oscar_backorders.payments.exceptions import PaymentRefused, ShipmentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.base import Capture
from oscar_backorders.payments.gateways.exceptions import (
    AuthorisationExpired,
    GatewayError,
    GatewayTimeout,
)
from oscar_backorders.payments.locks import lock_authorisation, lock_capture, lock_source


@dataclass(frozen=True, slots=True)
class ShipmentResult:
    """What became of a shipment: captured (and shipped) or failed (held, to be retried)."""

    capture_id: int
    sequence: int
    status: str
    amount: Decimal
    currency: str
    line_quantities: dict[int, int]
    shipping_event_id: int | None
    error: str = ""

    @property
    def shipped(self) -> bool:
        return self.status == CaptureStatus.CAPTURED


def _result(capture: Any) -> ShipmentResult:
    return ShipmentResult(
        capture_id=capture.pk,
        sequence=capture.sequence,
        status=str(capture.status),
        amount=capture.amount,
        currency=capture.currency,
        line_quantities={int(k): v for k, v in capture.line_quantities.items()},
        shipping_event_id=capture.shipping_event_id,
        error=capture.last_error,
    )


def retry_delay(attempts: int) -> datetime.timedelta:
    delays = tuple(backorder_settings.PAYMENT_RETRY_DELAYS_MINUTES) or (5,)
    return datetime.timedelta(minutes=delays[min(attempts, len(delays)) - 1])


def order_note(order: Any, message: str, actor: Any = None) -> None:
    OrderNote = get_model("order", "OrderNote")
    OrderNote._default_manager.create(
        order=order,
        user=actor if getattr(actor, "pk", None) else None,
        note_type=OrderNote.SYSTEM,
        message=message,
    )


@transaction.atomic
def _follow_authorisation(capture_id: int) -> Any:
    """Point a not-yet-captured capture at the order's current authorisation (after re-auth)."""
    capture = lock_capture(capture_id)
    if capture.status in (CaptureStatus.CAPTURED, CaptureStatus.ABANDONED):
        return capture
    if capture.outcome_unknown:
        # The provider may have taken the money under this key: a new key would take it twice.
        return capture
    authorisation = active_authorisation(capture.order_id)
    if authorisation.pk != capture.authorisation_id:
        capture.authorisation = authorisation
        capture.idempotency_key = idempotency_key(
            capture.order.number, "shipment", capture.sequence, "auth", authorisation.pk
        )
        capture.save(update_fields=["authorisation", "idempotency_key"])
    return capture


def settle_capture(capture_id: int) -> ShipmentResult:
    """Capture a pending or failed shipment with the gateway and record the outcome.

    Idempotent: an already captured shipment is returned as it is, without calling the gateway.
    """
    from oscar_backorders.payments import upfront

    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    if PaymentCapture._default_manager.filter(
        pk=capture_id, sequence=upfront.CHECKOUT_SEQUENCE
    ).exists():
        return _result(upfront.settle_checkout_capture(capture_id))
    capture = _follow_authorisation(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return _result(capture)
    if capture.status == CaptureStatus.ABANDONED:
        raise PaymentRefused(
            _("Shipment %(sequence)d was abandoned; it cannot be captured.")
            % {"sequence": capture.sequence},
            order_id=capture.order_id,
        )
    authorisation = capture.authorisation
    if authorisation.status != AuthorisationStatus.ACTIVE and not capture.outcome_unknown:
        return _record_failure(
            capture.pk,
            GatewayError(
                _("The authorisation is %(status)s.")
                % {"status": authorisation.get_status_display()}
            ),
        )
    if capture.amount > 0:
        try:
            answer = get_gateway().capture(
                authorisation.reference,
                amount=capture.amount,
                currency=capture.currency,
                idempotency_key=capture.idempotency_key,
            )
        except GatewayError as exc:
            return _record_failure(capture.pk, exc, outcome_unknown=isinstance(exc, GatewayTimeout))
    else:  # a free shipment: nothing to capture, but it is still recorded and shipped
        answer = Capture(reference="", amount=Decimal("0.00"))
    try:
        return _record_success(capture.pk, answer)
    except (BackorderError, InvalidStockAdjustment, InvalidShippingEvent) as exc:
        # The money moved but the shipment could not be recorded (stock or lines changed under
        # it). The capture stays open: the next attempt replays the same key (no second debit).
        return _record_failure(capture.pk, exc, outcome_unknown=capture.amount > 0)


@transaction.atomic
def _record_success(capture_id: int, answer: Capture) -> ShipmentResult:
    Line = get_model("order", "Line")
    ShippingEventType = get_model("order", "ShippingEventType")
    EventHandler = get_class("order.processing", "EventHandler")
    capture = lock_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return _result(capture)
    order = capture.order
    # Re-fetch the lines: instances read before the gateway call may be stale.
    quantities = {int(k): v for k, v in capture.line_quantities.items()}
    lines = list(Line._default_manager.filter(order=order, pk__in=quantities).order_by("pk"))
    counts = [quantities[line.pk] for line in lines]
    for key, count in sorted(capture.backorder_quantities.items()):
        line = next(line for line in lines if line.pk == int(key))
        services.record_shipment(
            line.backorder.pk,
            int(count),
            actor=capture.actor,
            reason=capture.reason or _("shipment %(n)d") % {"n": capture.sequence},
        )
    handler = EventHandler(user=capture.actor)
    if not handler.are_stock_allocations_available(lines, counts):
        raise ShipmentRefused(
            _("The stock allocated to this shipment's lines no longer covers it."),
            order_id=order.pk,
        )
    event_type, _created = ShippingEventType._default_manager.get_or_create(
        code=SHIPPED_EVENT_CODE, defaults={"name": SHIPPED_EVENT}
    )
    shipping_event = handler.handle_shipping_event(
        order,
        event_type,
        lines,
        counts,
        reference=capture.reason or _("Shipment %(n)d") % {"n": capture.sequence},
        backorders_capture=True,  # reach Oscar's handling, not the dashboard route to ship()
    )
    handler.consume_stock_allocations(order, lines, counts)
    payment_event = order.payment_events.create(
        event_type=payment_event_type(CAPTURED_EVENT),
        amount=capture.amount,
        reference=answer.reference,
        shipping_event=shipping_event,
    )
    for line, count in zip(lines, counts, strict=True):
        payment_event.line_quantities.create(line=line, quantity=count)

    authorisation = lock_authorisation(capture.authorisation_id)
    authorisation.amount_captured += capture.amount
    if answer.remainder_released:
        authorisation.amount_released += authorisation.amount_remaining
    if authorisation.amount_remaining == 0 and authorisation.status == AuthorisationStatus.ACTIVE:
        authorisation.status = AuthorisationStatus.CLOSED
    authorisation.save(update_fields=["amount_captured", "amount_released", "status"])
    if authorisation.source_id and capture.amount:
        lock_source(authorisation.source_id).debit(capture.amount, reference=answer.reference)

    capture.status = CaptureStatus.CAPTURED
    capture.reference = answer.reference
    capture.shipping_event = shipping_event
    capture.payment_event = payment_event
    capture.date_captured = timezone.now()
    capture.last_error = ""
    capture.next_attempt_at = None
    capture.outcome_unknown = False
    capture.save()
    order_note(
        order,
        _("Shipment %(n)d: captured %(amount)s %(currency)s (%(reference)s).")
        % {
            "n": capture.sequence,
            "amount": capture.amount,
            "currency": capture.currency,
            "reference": answer.reference or "-",
        },
        capture.actor,
    )
    amount, currency = capture.amount, capture.currency
    transaction.on_commit(
        lambda: signals.payment_captured.send(
            sender=type(capture),
            order=order,
            amount=amount,
            currency=currency,
            line_quantities=quantities,
        )
    )
    if answer.remainder_released:
        from oscar_backorders.payments import lifecycle

        order_id = order.pk
        transaction.on_commit(lambda: lifecycle.reauthorise_outstanding(order_id))
    return _result(capture)


@transaction.atomic
def _record_failure(
    capture_id: int, error: Exception, *, outcome_unknown: bool = False
) -> ShipmentResult:
    capture = lock_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return _result(capture)
    capture.outcome_unknown = outcome_unknown
    capture.status = CaptureStatus.FAILED
    capture.attempts += 1
    capture.last_error = str(error)[:2000]
    capture.next_attempt_at = timezone.now() + retry_delay(capture.attempts)
    capture.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "outcome_unknown"]
    )
    if isinstance(error, AuthorisationExpired):
        authorisation = lock_authorisation(capture.authorisation_id)
        if authorisation.status == AuthorisationStatus.ACTIVE:
            authorisation.status = AuthorisationStatus.EXPIRED
            authorisation.save(update_fields=["status"])
    order = capture.order
    order_note(
        order,
        _(
            "Shipment %(n)d: capture of %(amount)s %(currency)s failed (%(error)s). The shipment "
            "is held; next attempt after %(when)s."
        )
        % {
            "n": capture.sequence,
            "amount": capture.amount,
            "currency": capture.currency,
            "error": error,
            "when": f"{capture.next_attempt_at:%Y-%m-%d %H:%M}",
        },
    )
    amount, message = capture.amount, str(error)
    transaction.on_commit(
        lambda: signals.payment_capture_failed.send(
            sender=type(capture), order=order, amount=amount, error=message
        )
    )
    return _result(capture)


def retry_due_captures(*, now: datetime.datetime | None = None) -> int:
    """Retry every failed capture whose next attempt is due; returns how many now captured."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    now = now or timezone.now()
    due = PaymentCapture._default_manager.filter(
        status=CaptureStatus.FAILED, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    return sum(settle_capture(pk).shipped for pk in list(due))


@transaction.atomic
def abandon_capture(capture_id: int, *, actor: Any = None, reason: str) -> Any:
    """Give up a held shipment: its units are free to ship (or cancel) again; no money moved."""
    capture = lock_capture(capture_id)
    if capture.status not in (CaptureStatus.PENDING, CaptureStatus.FAILED):
        raise PaymentRefused(
            _("Shipment %(n)d is %(status)s; only a held shipment can be abandoned.")
            % {"n": capture.sequence, "status": capture.get_status_display()},
            order_id=capture.order_id,
        )
    if capture.outcome_unknown or capture.status == CaptureStatus.PENDING:
        raise PaymentRefused(
            _(
                "The payment provider may have taken the money for shipment %(n)d; retry the "
                "capture (it cannot take the money twice) instead of abandoning it."
            )
            % {"n": capture.sequence},
            order_id=capture.order_id,
        )
    capture.status = CaptureStatus.ABANDONED
    capture.next_attempt_at = None
    capture.save(update_fields=["status", "next_attempt_at"])
    order_note(
        capture.order,
        _("Shipment %(n)d abandoned: %(reason)s") % {"n": capture.sequence, "reason": reason},
        actor,
    )
    return capture
