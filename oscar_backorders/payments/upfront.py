"""Capture what ships from stock at checkout (``BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"``).

Right after the order total is authorised, :func:`capture_in_stock` captures the value of the
units on the shelf (each line's in-stock part, valued as its first units) plus, when it goes
with the first shipment, the shipping charge; the rest stays authorised. The capture is a
:class:`PaymentCapture` with shipment number 0 (:data:`CHECKOUT_SEQUENCE`) that reserves no
units: the in-stock units still ship through :func:`~oscar_backorders.payments.shipping.ship`,
which values them at nothing more, while backordered units are captured as they ship and
released (their values only) when cancelled. Recorded like every capture: ``Source.debit``, a
``Captured`` payment event (with the in-stock line quantities, no shipping event), an order
note, ``payment_captured`` after commit.

A declined capture captures nothing (the capture is abandoned, the whole total stays authorised
and is captured as it ships); a timeout is retried with the same key by the retry task, and the
order's shipments wait for it. Gateways whose partial capture releases the remainder (Stripe)
get the rest re-authorised off-session, as after any capture.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.locks import lock_authorisation, lock_capture
from oscar_backorders.payments import ledger, lifecycle
from oscar_backorders.payments.abstract_models import CaptureStatus, LedgerKind
from oscar_backorders.payments.accounts import CHECKOUT_SEQUENCE, in_stock_part, order_extras
from oscar_backorders.payments.amounts import units_value
from oscar_backorders.payments.authorise import (
    CAPTURED_EVENT,
    idempotency_key,
    payment_event_type,
)
from oscar_backorders.payments.common import retry_delay
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.base import Capture
from oscar_backorders.payments.gateways.exceptions import GatewayError, GatewayTimeout

AUTHORISE = "authorise"
CAPTURE_IN_STOCK = "capture_in_stock"
CHOICES = (AUTHORISE, CAPTURE_IN_STOCK)

__all__ = ["CHECKOUT_SEQUENCE", "capture_in_stock", "in_stock_value", "settle_checkout_capture"]


def in_stock_value(order: Any) -> tuple[Decimal, dict[str, int], bool]:
    """What ships from stock now: its value, units per line id, and whether it takes the
    shipping charge (``BACKORDERS_PAYMENT_SHIPPING_CHARGE_WITH == "first"``)."""
    amount = Decimal("0.00")
    quantities: dict[str, int] = {}
    for line in order.lines.select_related("backorder").order_by("pk"):
        count = in_stock_part(line)
        if count > 0:
            quantities[str(line.pk)] = count
            amount += units_value(line.line_price_incl_tax, line.quantity, start=0, count=count)
    includes_shipping = bool(quantities) and (
        backorder_settings.PAYMENT_SHIPPING_CHARGE_WITH == "first"
    )
    if includes_shipping:
        amount += order_extras(order)
    return amount, quantities, includes_shipping


def capture_in_stock(order: Any, authorisation: Any) -> Any | None:
    """Capture the in-stock part of a just authorised order, when the setting asks for it.

    Returns the checkout :class:`PaymentCapture`, or ``None`` when the setting is
    ``"authorise"`` or nothing ships from stock.
    """
    if backorder_settings.PAYMENT_AT_CHECKOUT != CAPTURE_IN_STOCK:
        return None
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    amount, _quantities, includes_shipping = in_stock_value(order)
    if amount <= 0:
        return None
    capture, _created = PaymentCapture._default_manager.get_or_create(
        order=order,
        sequence=CHECKOUT_SEQUENCE,
        defaults={
            "authorisation": authorisation,
            "idempotency_key": idempotency_key(order.number, "checkout-capture"),
            "amount": amount,
            "currency": order.currency,
            "line_quantities": {},
            "includes_shipping": includes_shipping,
            "reason": _("In-stock units, captured at checkout")[:255],
        },
    )
    settle_checkout_capture(capture.pk)
    capture.refresh_from_db()
    return capture


def settle_checkout_capture(capture_id: int) -> Any:
    """Capture (or retry capturing) the checkout capture; idempotent."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    capture = PaymentCapture._default_manager.select_related("authorisation").get(pk=capture_id)
    if capture.status in (CaptureStatus.CAPTURED, CaptureStatus.ABANDONED):
        return capture
    authorisation = capture.authorisation
    try:
        answer = get_gateway().capture(
            authorisation.reference,
            amount=capture.amount,
            currency=capture.currency,
            idempotency_key=capture.idempotency_key,
        )
    except GatewayTimeout as exc:
        return _record_failure(capture.pk, exc)
    except GatewayError as exc:
        if capture.outcome_unknown:  # an earlier attempt may have taken the money: keep trying
            return _record_failure(capture.pk, exc)
        return _abandon(capture.pk, exc)
    return _record_success(capture.pk, answer)


def _note(order: Any, message: str) -> None:
    OrderNote = get_model("order", "OrderNote")
    OrderNote._default_manager.create(order=order, note_type=OrderNote.SYSTEM, message=message)


@transaction.atomic
def _record_success(capture_id: int, answer: Capture) -> Any:
    capture = lock_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return capture
    order = capture.order
    _amount, quantities, _shipping = in_stock_value(order)
    payment_event = order.payment_events.create(
        event_type=payment_event_type(CAPTURED_EVENT),
        amount=capture.amount,
        reference=answer.reference,
    )
    for line in order.lines.filter(pk__in=[int(k) for k in quantities]):
        payment_event.line_quantities.create(line=line, quantity=quantities[str(line.pk)])
    authorisation = lock_authorisation(capture.authorisation_id)
    ledger.post(
        authorisation,
        LedgerKind.CAPTURED,
        capture.amount,
        reference=answer.reference,
        idempotency_key=capture.idempotency_key,
        capture=capture,
        note="in-stock units at checkout",
    )
    if answer.remainder_released:
        ledger.post(
            authorisation,
            LedgerKind.RELEASED,
            ledger.held(authorisation),
            reference=answer.reference,
            note="released by the provider with a partial capture",
        )
    capture.status = CaptureStatus.CAPTURED
    capture.reference = answer.reference
    capture.payment_event = payment_event
    capture.date_captured = timezone.now()
    capture.last_error = ""
    capture.next_attempt_at = None
    capture.outcome_unknown = False
    capture.save()
    _note(
        order,
        _("Captured %(amount)s %(currency)s at checkout for the in-stock units (%(reference)s).")
        % {
            "amount": capture.amount,
            "currency": capture.currency,
            "reference": answer.reference or "-",
        },
    )
    amount, currency = capture.amount, capture.currency
    line_quantities = {int(k): v for k, v in quantities.items()}
    transaction.on_commit(
        lambda: signals.payment_captured.send(
            sender=type(capture),
            order=order,
            amount=amount,
            currency=currency,
            line_quantities=line_quantities,
        )
    )
    if answer.remainder_released:
        order_id = order.pk
        transaction.on_commit(lambda: lifecycle.reauthorise_outstanding(order_id))
    return capture


@transaction.atomic
def _record_failure(capture_id: int, error: Exception) -> Any:
    capture = lock_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED:
        return capture
    capture.status = CaptureStatus.FAILED
    capture.outcome_unknown = True
    capture.attempts += 1
    capture.last_error = str(error)[:2000]
    capture.next_attempt_at = timezone.now() + retry_delay(capture.attempts)
    capture.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "outcome_unknown"]
    )
    _note(
        capture.order,
        _(
            "The capture of %(amount)s %(currency)s at checkout did not answer (%(error)s); it is "
            "retried with the same key after %(when)s and the order's shipments wait for it."
        )
        % {
            "amount": capture.amount,
            "currency": capture.currency,
            "error": error,
            "when": f"{capture.next_attempt_at:%Y-%m-%d %H:%M}",
        },
    )
    return capture


@transaction.atomic
def _abandon(capture_id: int, error: Exception) -> Any:
    """The provider refused: no money moved, so everything stays authorised (as by default)."""
    capture = lock_capture(capture_id)
    if capture.status == CaptureStatus.CAPTURED or capture.outcome_unknown:
        return capture
    capture.status = CaptureStatus.ABANDONED
    capture.attempts += 1
    capture.last_error = str(error)[:2000]
    capture.next_attempt_at = None
    capture.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    _note(
        capture.order,
        _(
            "The capture of %(amount)s %(currency)s at checkout was refused (%(error)s); nothing "
            "was charged and the whole order stays authorised, captured as it ships."
        )
        % {"amount": capture.amount, "currency": capture.currency, "error": error},
    )
    return capture
