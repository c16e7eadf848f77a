"""Capture a planned shipment's value exactly once, and retry failed captures.

:func:`settle_capture` runs in three steps, so no crash, retry or concurrent change can take
money for a shipment that does not leave, or take it twice:

1. :func:`_prepare` (one transaction, locks in :mod:`oscar_backorders.locks` order: capture →
   backordered lines → order → authorisation): re-checks under the locks that the shipment can
   still leave (stock allocated, units not cancelled, the authorisation capturable) and marks
   the capture in flight (``pending``, money may move), with its next attempt already due should
   the process die.
2. The gateway captures with the capture's idempotency key (a retry after a timeout or crash
   replays the key: the provider answers with its first answer and moves no money).
3. :func:`_record_success` records the shipment (Oscar's shipping event, stock consumed,
   backordered units shipped, ledger entry, ``Source`` debited). Should the shipment still fail
   to record (stock lost while the provider answered), :func:`_undo` refunds what was taken at
   once and gives the units back, so money never stays taken for a shipment that did not leave.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import InvalidShippingEvent
from oscar.apps.partner.exceptions import InvalidStockAdjustment
from oscar.core.loading import get_class, get_model

from oscar_backorders import services, signals
from oscar_backorders.deprecation import moved_names
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.locks import (
    lock_authorisation,
    lock_capture,
)
from oscar_backorders.payments import ledger, lifecycle, upfront
from oscar_backorders.payments.abstract_models import (
    AuthorisationStatus,
    CaptureStatus,
    LedgerKind,
)
from oscar_backorders.payments.authorise import (
    CAPTURED_EVENT,
    REFUNDED_EVENT,
    SHIPPED_EVENT,
    SHIPPED_EVENT_CODE,
    active_authorisation,
    idempotency_key,
    payment_event_type,
)
from oscar_backorders.payments.common import (
    ShipmentResult,
    order_note,
    retry_delay,
)
from oscar_backorders.payments.common import shipment_result as _result
from oscar_backorders.payments.exceptions import PaymentRefused, ShipmentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.base import Capture
from oscar_backorders.payments.gateways.exceptions import (
    AuthorisationExpired,
    GatewayError,
    GatewayTimeout,
)
from oscar_backorders.payments.preconditions import (
    blocker,
    capture_lines,
    capture_quantities,
    lock_for_capture,
)


@transaction.atomic
def _prepare(capture_id: int) -> Any:
    """Re-check a capture under its locks and mark it in flight; a :class:`ShipmentResult` when
    it must not (or need not) reach the provider now."""
    capture, backorder_lines = lock_for_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return _result(capture)
    if capture.status == CaptureStatus.ABANDONED:
        raise PaymentRefused(
            _("Shipment %(sequence)d was abandoned; it cannot be captured.")
            % {"sequence": capture.sequence},
            order_id=capture.order_id,
        )
    if not capture.outcome_unknown:
        # No money can have moved under the capture's key: check it can still leave, and
        # follow the order's current authorisation (after a renewal or confirmation).
        problem = blocker(capture, backorder_lines)
        if problem:
            return _failed(capture, GatewayError(problem), unknown=False)
        authorisation = lock_authorisation(active_authorisation(capture.order_id).pk)
        if capture.amount > 0 and authorisation.status != AuthorisationStatus.ACTIVE:
            return _failed(
                capture,
                GatewayError(
                    _("The authorisation is %(status)s.")
                    % {"status": authorisation.get_status_display()}
                ),
                unknown=False,
            )
        if authorisation.pk != capture.authorisation_id or capture.status == CaptureStatus.FAILED:
            capture.authorisation = authorisation
            capture.idempotency_key = idempotency_key(
                capture.order.number,
                "shipment",
                capture.sequence,
                "auth",
                authorisation.pk,
                "try",
                capture.attempts + 1,
            )
    # In flight: from now on the provider may take the money under this key.
    capture.status = CaptureStatus.PENDING
    capture.outcome_unknown = capture.amount > 0
    capture.next_attempt_at = timezone.now() + retry_delay(capture.attempts + 1)
    capture.save(
        update_fields=[
            "authorisation",
            "idempotency_key",
            "status",
            "outcome_unknown",
            "next_attempt_at",
        ]
    )
    return capture


def settle_capture(capture_id: int) -> ShipmentResult:
    """Capture a pending or failed shipment with the gateway and record the outcome.

    Idempotent: an already captured shipment is returned as it is, without calling the gateway;
    a shipment that can no longer leave is held without calling it.
    """
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    if PaymentCapture._default_manager.filter(
        pk=capture_id, sequence=upfront.CHECKOUT_SEQUENCE
    ).exists():
        return _result(upfront.settle_checkout_capture(capture_id))
    capture = _prepare(capture_id)
    if isinstance(capture, ShipmentResult):
        return capture
    if capture.amount > 0:
        try:
            answer = get_gateway().capture(
                capture.authorisation.reference,
                amount=capture.amount,
                currency=capture.currency,
                idempotency_key=capture.idempotency_key,
                final=capture.final,
            )
        except GatewayError as exc:
            return _record_failure(capture.pk, exc, outcome_unknown=isinstance(exc, GatewayTimeout))
    else:  # a free shipment: nothing to capture, but it is still recorded and shipped
        answer = Capture(reference="", amount=Decimal("0.00"))
    try:
        return _record_success(capture.pk, answer)
    except (BackorderError, InvalidStockAdjustment, InvalidShippingEvent) as exc:
        # The shipment changed while the provider answered: give the money back at once.
        return _undo(capture.pk, answer, exc)


@transaction.atomic
def _record_success(capture_id: int, answer: Capture) -> ShipmentResult:
    ShippingEventType = get_model("order", "ShippingEventType")
    EventHandler = get_class("order.processing", "EventHandler")
    capture, backorder_lines = lock_for_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return _result(capture)
    problem = blocker(capture, backorder_lines)
    if problem:
        raise ShipmentRefused(problem, order_id=capture.order_id)
    order = capture.order
    lines, counts = capture_lines(capture)
    for key, count in sorted(capture.backorder_quantities.items()):
        line = next(line for line in lines if line.pk == int(key))
        services.record_shipment(
            line.backorder.pk,
            int(count),
            actor=capture.actor,
            reason=capture.reason or _("shipment %(n)d") % {"n": capture.sequence},
        )
    handler = EventHandler(user=capture.actor)
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
    _post_capture(authorisation, capture, answer)

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
    amount, currency, quantities = capture.amount, capture.currency, capture_quantities(capture)
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
        order_id = order.pk
        transaction.on_commit(lambda: lifecycle.reauthorise_outstanding(order_id))
    return _result(capture)


def _post_capture(authorisation: Any, capture: Any, answer: Capture) -> None:
    """Ledger entries of a capture (and of the rest, when the provider released it with it)."""
    ledger.post(
        authorisation,
        LedgerKind.CAPTURED,
        capture.amount,
        reference=answer.reference,
        idempotency_key=capture.idempotency_key,
        capture=capture,
        note=capture.reason or f"shipment {capture.sequence}",
    )
    if answer.remainder_released:
        ledger.post(
            authorisation,
            LedgerKind.RELEASED,
            ledger.held(authorisation),
            reference=answer.reference,
            note=(
                "released with the order's last capture"
                if capture.final
                else "released by the provider with a partial capture"
            ),
        )


def _undo(capture_id: int, answer: Capture, error: Exception) -> ShipmentResult:
    """The provider took a shipment's money but the shipment could not be recorded: refund it.

    Recorded as captured and refunded (the ledger shows both); the capture is abandoned, so
    its units can ship (and be paid) again. A failed refund leaves the capture held with its
    outcome unknown: the next retry replays the capture's key and refunds again, same key.
    """
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    capture = PaymentCapture._default_manager.select_related("order").get(pk=capture_id)
    key = f"{capture.idempotency_key}:undo"
    try:
        refund = get_gateway().refund(
            answer.reference, amount=capture.amount, currency=capture.currency, idempotency_key=key
        )
    except GatewayError as exc:
        return _record_failure(capture_id, exc, outcome_unknown=True)
    with transaction.atomic():
        capture = lock_capture(capture_id)
        if capture.status in (CaptureStatus.CAPTURED, CaptureStatus.ABANDONED):
            return _result(capture)
        authorisation = lock_authorisation(capture.authorisation_id)
        _post_capture(authorisation, capture, answer)
        ledger.post(
            authorisation,
            LedgerKind.REFUNDED,
            capture.amount,
            reference=refund.reference,
            idempotency_key=key,
            capture=capture,
            note="shipment could not leave",
        )
        order = capture.order
        order.payment_events.create(
            event_type=payment_event_type(REFUNDED_EVENT),
            amount=capture.amount,
            reference=f"{answer.reference}/{refund.reference}",
        )
        capture.status = CaptureStatus.ABANDONED
        capture.reference = answer.reference
        capture.outcome_unknown = False
        capture.next_attempt_at = None
        capture.last_error = str(error)[:2000]
        capture.save()
        order_note(
            order,
            _(
                "Shipment %(n)d could not leave (%(error)s) after the provider took %(amount)s "
                "%(currency)s; that money was refunded at once and the units can ship again."
            )
            % {
                "n": capture.sequence,
                "error": error,
                "amount": capture.amount,
                "currency": capture.currency,
            },
        )
        if answer.remainder_released:
            order_id = order.pk
            transaction.on_commit(lambda: lifecycle.reauthorise_outstanding(order_id))
    return _result(capture)


def _failed(capture: Any, error: Exception, *, unknown: bool) -> ShipmentResult:
    """Record a failed attempt of a locked capture (the shipment stays held)."""
    capture.outcome_unknown = unknown
    capture.status = CaptureStatus.FAILED
    capture.attempts += 1
    capture.last_error = str(error)[:2000]
    capture.next_attempt_at = timezone.now() + retry_delay(capture.attempts)
    capture.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "outcome_unknown"]
    )
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


@transaction.atomic
def _record_failure(
    capture_id: int, error: Exception, *, outcome_unknown: bool = False
) -> ShipmentResult:
    capture, _backorder_lines = lock_for_capture(capture_id)
    if capture.status in (CaptureStatus.CAPTURED, CaptureStatus.ABANDONED):
        return _result(capture)
    result = _failed(capture, error, unknown=outcome_unknown)
    if isinstance(error, AuthorisationExpired):
        lifecycle.lapse(lock_authorisation(capture.authorisation_id))
    return result


# Names that moved to :mod:`oscar_backorders.payments.retries` (old paths warn and still work).
__getattr__ = moved_names(
    __name__,
    {
        "retry_due_captures": "oscar_backorders.payments.retries.retry_due_captures",
        "abandon_capture": "oscar_backorders.payments.retries.abandon_capture",
    },
)
