"""Reconcile the ledger with what Stripe reports in its webhook events.

The view (:class:`~oscar_backorders.payments.views.StripeWebhookView`) verifies the signature
and hands the event's data to :func:`receive_event`, which records it once
(:class:`ProviderEvent`, unique per event id: Stripe retries for days, so a delivery may come
twice or late) and reconciles, in one transaction:

============================================= ===============================================
event                                         what the shop does
============================================= ===============================================
``payment_intent.canceled``                   the ledger still holds money of it: Stripe let
                                              it go (a lapsed hold), so it is recorded as
                                              lapsed (:func:`.lifecycle.lapse`, as the hourly
                                              sweep does at the deadline): nothing more is
                                              captured from it, the order waits for the
                                              customer to confirm payment. Otherwise (the shop
                                              released it itself) a confirmation.
``payment_intent.amount_capturable_updated``  less capturable than the ledger holds: the
                                              shortfall lapsed (all of it at 0).
``charge.captured``, ``charge.refunded``      Stripe's totals against the ledger's: equal is a
                                              confirmation; more than the shop recorded (done in
                                              Stripe's dashboard) is a ``discrepancy`` for the
                                              merchant (admin list, order note). Never captures
                                              or refunds anything.
============================================= ===============================================

Events arrive out of order: an event older than one already applied to the same
PaymentIntent is ``stale`` and changes nothing, and every move only lowers what is held (a
cancelled PaymentIntent never becomes capturable again). Money of a capture the shop is
settling at that moment (pending, or of unknown outcome) is never lapsed; its settling records
it. Locks (:mod:`oscar_backorders.locks`): the authorisation's captures → order →
authorisation → source.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.locks import lock_authorisation, lock_captures, lock_order
from oscar_backorders.payments import ledger, lifecycle
from oscar_backorders.payments.abstract_events import EventOutcome
from oscar_backorders.payments.abstract_models import CaptureStatus, LedgerKind
from oscar_backorders.payments.common import order_note
from oscar_backorders.payments.gateways.stripe import from_minor

ZERO = Decimal("0.00")
PROVIDER = "stripe"
CANCELED = "payment_intent.canceled"
CAPTURABLE = "payment_intent.amount_capturable_updated"
CAPTURED = "charge.captured"
REFUNDED = "charge.refunded"
#: The event types to subscribe the endpoint to; every other type is recorded and ignored.
HANDLED = (CANCELED, CAPTURABLE, CAPTURED, REFUNDED)


class MalformedEvent(ValueError):
    """A signed event without the fields every Stripe event has (``id``, ``type``, ...)."""


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What one delivery did: its outcome, and the amount moved in the ledger (lapsed)."""

    event_id: str
    outcome: str
    duplicate: bool = False
    lapsed: Decimal = ZERO
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What reconciling one event found (stored on its :class:`ProviderEvent`)."""

    outcome: str
    amount: Decimal | None = None
    detail: str = ""
    lapsed: Decimal = ZERO


def _parse(event: Mapping[str, Any]) -> tuple[str, str, datetime.datetime, Mapping[str, Any]]:
    try:
        event_id, kind = str(event["id"]), str(event["type"])
        created = datetime.datetime.fromtimestamp(int(event["created"]), tz=datetime.UTC)
        obj = event["data"]["object"]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(f"Not a Stripe event: {exc!r} is missing or invalid.") from exc
    if not event_id or not isinstance(obj, Mapping):
        raise MalformedEvent("Not a Stripe event: no id or no data object.")
    return event_id, kind, created, obj


def _reference(kind: str, obj: Mapping[str, Any]) -> str:
    """The PaymentIntent an event is about (a charge names its own)."""
    if kind.startswith("payment_intent."):
        return str(obj.get("id") or "")
    intent = obj.get("payment_intent")
    if isinstance(intent, Mapping):
        intent = intent.get("id")
    return str(intent or "")


def receive_event(event: Mapping[str, Any]) -> Reconciled:
    """Record a verified Stripe event once and reconcile the ledger with it (atomic).

    A duplicate delivery returns ``duplicate=True`` and changes nothing. Raises
    :class:`MalformedEvent` (nothing recorded) for data that is not a Stripe event.
    """
    ProviderEvent = get_model("oscar_backorders", "ProviderEvent")
    event_id, kind, created, obj = _parse(event)
    reference = _reference(kind, obj)
    with transaction.atomic():
        try:
            # The unique event id is the dedup lock: a concurrent delivery of the same event
            # waits here until this one commits, then finds it recorded.
            with transaction.atomic():
                row = ProviderEvent._default_manager.create(
                    provider=PROVIDER,
                    event_id=event_id,
                    type=kind[:100],
                    created=created,
                    reference=reference[:255],
                    outcome=EventOutcome.IGNORED,
                )
        except IntegrityError:
            seen = ProviderEvent._default_manager.get(provider=PROVIDER, event_id=event_id)
            return Reconciled(event_id, seen.outcome, duplicate=True, detail=seen.detail)
        verdict = _reconcile(row, kind, created, obj)
        row.outcome = verdict.outcome
        row.amount = verdict.amount
        row.detail = verdict.detail
        row.processed = timezone.now()
        row.save(
            update_fields=["outcome", "amount", "detail", "processed", "authorisation", "order"]
        )
    return Reconciled(event_id, verdict.outcome, lapsed=verdict.lapsed, detail=verdict.detail)


def _reconcile(row: Any, kind: str, created: datetime.datetime, obj: Mapping[str, Any]) -> Verdict:
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    if kind not in HANDLED:
        return Verdict(EventOutcome.IGNORED)
    found = (
        PaymentAuthorisation._default_manager.filter(gateway=PROVIDER, reference=row.reference)
        .values_list("pk", "order_id")
        .first()
    )
    if found is None:
        return Verdict(
            EventOutcome.UNKNOWN,
            detail=_("No authorisation of this shop has the reference %(reference)s.")
            % {"reference": row.reference or "-"},
        )
    pk, order_id = found
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    lock_captures(
        PaymentCapture._default_manager.filter(authorisation_id=pk).values_list("pk", flat=True)
    )
    lock_order(order_id)
    authorisation = lock_authorisation(pk)
    row.authorisation, row.order_id = authorisation, order_id
    if kind == CANCELED:
        return _canceled(authorisation, obj)
    if _newer_applied(row, created):
        return Verdict(
            EventOutcome.STALE,
            detail=_("A later event about %(reference)s was already applied.")
            % {"reference": row.reference},
        )
    currency = str(obj.get("currency") or authorisation.currency)
    if kind == CAPTURABLE:
        return _capturable(authorisation, obj, currency)
    return _compare_charge(authorisation, obj, currency, refunds=kind == REFUNDED)


def _newer_applied(row: Any, created: datetime.datetime) -> bool:
    return (
        type(row)
        ._default_manager.filter(
            provider=PROVIDER, reference=row.reference, created__gt=created, processed__isnull=False
        )
        .filter(outcome__in=[EventOutcome.APPLIED, EventOutcome.CONFIRMED])
        .exclude(pk=row.pk)
        .exists()
    )


def in_flight(authorisation: Any) -> Decimal:
    """Captures the shop is settling from this authorisation: money Stripe may already have
    taken that the ledger records only when the settling finishes."""
    captures = authorisation.captures.filter(
        Q(status=CaptureStatus.PENDING) | Q(status=CaptureStatus.FAILED, outcome_unknown=True)
    )
    return sum(captures.values_list("amount", flat=True), ZERO)


def _canceled(authorisation: Any, intent: Mapping[str, Any]) -> Verdict:
    held = ledger.held(authorisation)
    if held == 0:
        return Verdict(
            EventOutcome.CONFIRMED,
            amount=ZERO,
            detail=_("The ledger holds nothing of it any more (released, captured or lapsed)."),
        )
    reason = str(intent.get("cancellation_reason") or _("no reason given"))
    lapsed = lifecycle.lapse(
        authorisation, why=_("Stripe cancelled it (%(reason)s)") % {"reason": reason}
    )
    detail = _(
        "Stripe cancelled the PaymentIntent %(reference)s (%(reason)s): %(amount)s %(currency)s "
        "it held is no longer authorised. Nothing more is captured from it; the waiting items "
        "ship once the customer confirms payment."
    ) % {
        "reference": authorisation.reference,
        "reason": reason,
        "amount": lapsed,
        "currency": authorisation.currency,
    }
    if lapsed:
        order_note(authorisation.order, detail)
    return Verdict(EventOutcome.APPLIED, amount=ZERO, detail=detail, lapsed=lapsed)


def _capturable(authorisation: Any, intent: Mapping[str, Any], currency: str) -> Verdict:
    capturable = from_minor(int(intent.get("amount_capturable") or 0), currency)
    expected = ledger.held(authorisation) - in_flight(authorisation)
    if capturable >= expected:
        return Verdict(EventOutcome.CONFIRMED, amount=capturable)
    shortfall = expected - capturable
    why = _("Stripe reports only %(capturable)s %(currency)s capturable") % {
        "capturable": capturable,
        "currency": authorisation.currency,
    }
    if capturable == 0:
        lapsed = lifecycle.lapse(authorisation, why=why)
    else:
        ledger.post(authorisation, LedgerKind.EXPIRED, shortfall, note=why)
        lapsed = shortfall
    detail = _(
        "%(why)s on %(reference)s where the ledger held %(expected)s: %(lapsed)s recorded as "
        "lapsed."
    ) % {
        "why": why,
        "reference": authorisation.reference,
        "expected": expected,
        "lapsed": lapsed,
    }
    order_note(authorisation.order, detail)
    return Verdict(EventOutcome.APPLIED, amount=capturable, detail=detail, lapsed=lapsed)


def _compare_charge(
    authorisation: Any, charge: Mapping[str, Any], currency: str, *, refunds: bool
) -> Verdict:
    sums = ledger.totals(authorisation_id=authorisation.pk)
    if refunds:
        reported = from_minor(int(charge.get("amount_refunded") or 0), currency)
        known, pending = sums.refunded, ZERO
        what = _("refunded")
    else:
        minor = charge.get("amount_captured")
        if minor is None:  # (localstripe's charges have no amount_captured)
            minor = charge.get("amount", 0) if charge.get("captured") else 0
        reported = from_minor(int(minor), currency)
        known, pending = sums.captured, in_flight(authorisation)
        what = _("captured")
    if known <= reported <= known + pending:
        return Verdict(EventOutcome.CONFIRMED, amount=reported)
    if reported < known:
        return Verdict(
            EventOutcome.STALE,
            amount=reported,
            detail=_("Older than the ledger, which has %(known)s %(what)s.")
            % {"known": known, "what": what},
        )
    detail = _(
        "Stripe reports %(reported)s %(currency)s %(what)s on %(reference)s; the shop recorded "
        "%(known)s. It was done outside the shop (Stripe's dashboard?): nothing was captured or "
        "refunded again; check the order's payment."
    ) % {
        "reported": reported,
        "currency": authorisation.currency,
        "what": what,
        "reference": authorisation.reference,
        "known": known,
    }
    order_note(authorisation.order, detail)
    return Verdict(EventOutcome.DISCREPANCY, amount=reported, detail=detail)
