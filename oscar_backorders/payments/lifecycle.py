"""Keep an authorisation capturable for as long as its backordered units wait.

Card authorisations lapse after days (Stripe: 7 for customer-initiated payments), backorders wait
for weeks. Every authorisation stores its capture deadline (from the provider's answer when it
gives one). :func:`refresh_expiring_authorisations`, run periodically by Celery beat:

1. records as lapsed what the provider let go at a passed deadline (:func:`lapse`);
2. releases what replaced authorisations still hold (a release that failed earlier);
3. takes a fresh authorisation, for what the order still owes, from the stored payment method
   ahead of the deadline (within ``BACKORDERS_PAYMENT_REAUTHORISE_WITHIN_HOURS``). When the
   gateway cannot, or the re-authorisation fails, the authorisation waits for the customer
   (``needs_customer``), the order gets a note and ``authorisation_expiring`` is sent, so the
   customer is asked to confirm payment (:func:`confirm_payment`).

A new authorisation always replaces the old one the same way (:func:`replace_authorisation`): the new hold is
recorded, then what the old one still holds is released at the provider, so the card never
carries the order twice. Every step is a ledger entry (:mod:`.ledger`) and an order note.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.deprecation import moved_names
from oscar_backorders.locks import lock_authorisation, lock_order
from oscar_backorders.payments import ledger
from oscar_backorders.payments.abstract_models import (
    AuthorisationStatus,
    CaptureStatus,
    LedgerKind,
)
from oscar_backorders.payments.authorise import deadline, idempotency_key
from oscar_backorders.payments.common import order_note
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.exceptions import GatewayError
from oscar_backorders.payments.states import move

if TYPE_CHECKING:
    pass

ZERO = Decimal("0.00")
S = AuthorisationStatus


def needs_customer(authorisation: Any, why: str) -> None:
    """A locked authorisation could not be renewed: the customer must confirm payment."""
    if not move(authorisation, S.NEEDS_CUSTOMER):
        return
    authorisation.save(update_fields=["status", "date_updated"])
    order = authorisation.order
    order_note(
        order,
        _(
            "The payment authorisation %(reference)s could not be renewed (%(why)s); the "
            "customer must confirm payment before the waiting items can ship."
        )
        % {"reference": authorisation.reference, "why": why},
    )
    _ask_the_customer(authorisation)


def _ask_the_customer(authorisation: Any) -> None:
    """After commit, ``authorisation_expiring``: the notifications ask the customer to confirm
    payment (once per authorisation) and tell the merchant."""
    order, expires_at = authorisation.order, authorisation.expires_at
    transaction.on_commit(
        lambda: signals.authorisation_expiring.send(
            sender=type(authorisation),
            order=order,
            expires_at=expires_at,
            authorisation=authorisation,
        )
    )


def unsettled_captures(authorisation: Any, *, unknown_only: bool = False) -> Decimal:
    """Amount of this authorisation's captures not yet settled (pending or held), or only of
    those that may have moved money without a record (``unknown_only``)."""
    captures = authorisation.captures.filter(
        status__in=[CaptureStatus.PENDING, CaptureStatus.FAILED]
    )
    if unknown_only:
        captures = captures.filter(outcome_unknown=True)
    return sum(captures.values_list("amount", flat=True), ZERO)


def outstanding(order: Any) -> Decimal:
    """What the order still has to pay: its total less captures done and cancellations."""
    captured = sum(
        order.backorder_captures.filter(status=CaptureStatus.CAPTURED).values_list(
            "amount", flat=True
        ),
        ZERO,
    )
    released = sum(order.backorder_releases.values_list("amount", flat=True), ZERO)
    return order.total_incl_tax - captured - released


def provider_holds(authorisation: Any, *, now: datetime.datetime | None = None) -> bool:
    """Whether the provider may still hold the authorisation's money (its deadline is ahead)."""
    if authorisation.status == S.EXPIRED:
        return False
    return authorisation.expires_at is None or authorisation.expires_at > (now or timezone.now())


def lapse(authorisation: Any, *, why: str = "") -> Decimal:
    """A locked authorisation's deadline passed: record what the provider let go.

    Money of captures whose outcome is unknown stays (their retry learns what happened).
    Returns the amount recorded as lapsed.
    """
    if authorisation.status in (S.ACTIVE, S.NEEDS_CUSTOMER):
        unasked = authorisation.status == S.ACTIVE
        move(authorisation, S.EXPIRED)
        authorisation.save(update_fields=["status", "date_updated"])
        if unasked:
            # The customer was never asked (a renewal that failed asks at once): ask now, so the
            # waiting items do not sit unpaid until the merchant notices.
            _ask_the_customer(authorisation)
    amount = max(
        ledger.held(authorisation) - unsettled_captures(authorisation, unknown_only=True), ZERO
    )
    if amount > 0:
        ledger.post(authorisation, LedgerKind.EXPIRED, amount, note=why or _("deadline passed"))
        order_note(
            authorisation.order,
            _("%(amount)s %(currency)s of authorisation %(reference)s lapsed at its deadline.")
            % {
                "amount": amount,
                "currency": authorisation.currency,
                "reference": authorisation.reference,
            },
        )
    return amount


def release_remainder(authorisation: Any, *, key: str, note: str) -> Decimal:
    """Give back at the provider what a locked authorisation holds beyond unknown captures.

    Returns the amount released (nothing when the provider cannot release part of it while a
    capture's outcome is unknown, or the call fails: a later sweep tries again).
    """
    if not provider_holds(authorisation):
        return lapse(authorisation)
    uncertain = unsettled_captures(authorisation, unknown_only=True)
    amount = ledger.held(authorisation) - uncertain
    if amount <= 0:
        return ZERO
    gateway = get_gateway()
    whole = uncertain == 0
    if not whole and not gateway.capabilities.partial_release:
        return ZERO
    try:
        answer = gateway.release(
            authorisation.reference,
            amount=amount,
            currency=authorisation.currency,
            idempotency_key=key,
            remainder=whole,
        )
    except GatewayError as exc:
        order_note(
            authorisation.order,
            _("Releasing %(amount)s %(currency)s of %(reference)s failed (%(error)s); retried.")
            % {
                "amount": amount,
                "currency": authorisation.currency,
                "reference": authorisation.reference,
                "error": exc,
            },
        )
        return ZERO
    ledger.post(
        authorisation,
        LedgerKind.RELEASED,
        amount,
        reference=answer.reference,
        idempotency_key=key,
        note=note,
    )
    return amount


def replace_authorisation(old: Any, answer: Any, *, gateway_name: str) -> Any:
    """Record ``answer`` as the successor of a locked authorisation, then let the old one go."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    order = old.order
    fresh = PaymentAuthorisation._default_manager.create(
        order=order,
        source=old.source,
        gateway=gateway_name,
        reference=answer.reference,
        payment_method=answer.payment_method or old.payment_method,
        currency=answer.currency,
        amount=answer.amount,
        expires_at=deadline(answer),
        replaces=old,
    )
    ledger.post(fresh, LedgerKind.AUTHORISED, answer.amount, reference=answer.reference)
    release_remainder(
        old,
        key=idempotency_key(order.number, "release-replaced", old.pk),
        note=_("replaced by %(reference)s") % {"reference": answer.reference},
    )
    move(old, S.REPLACED)
    old.save(update_fields=["status", "date_updated"])
    return fresh


def _reauthorise(authorisation: Any, amount: Decimal) -> Any | None:
    """Replace a locked authorisation by a fresh one for ``amount``; ``None`` if it failed."""
    if amount <= 0:
        return None
    gateway = get_gateway()
    if not (gateway.capabilities.reauthorise and authorisation.payment_method):
        needs_customer(authorisation, _("the payment provider cannot re-authorise"))
        return None
    order = authorisation.order
    try:
        answer = gateway.reauthorise(
            authorisation.reference,
            amount=amount,
            currency=authorisation.currency,
            payment_method=authorisation.payment_method,
            idempotency_key=idempotency_key(order.number, "reauthorise", authorisation.pk),
        )
    except GatewayError as exc:
        needs_customer(authorisation, str(exc))
        return None
    fresh = replace_authorisation(authorisation, answer, gateway_name=gateway.name)
    order_note(
        order,
        _("Re-authorised %(amount)s %(currency)s (%(reference)s), capturable until %(until)s.")
        % {
            "amount": answer.amount,
            "currency": answer.currency,
            "reference": answer.reference,
            "until": f"{fresh.expires_at:%Y-%m-%d %H:%M}",
        },
    )
    return fresh


def still_owed(order: Any, authorisation: Any) -> Decimal:
    """What a new authorisation must hold: what is owed, less captures pending on the old one."""
    return outstanding(order) - unsettled_captures(authorisation, unknown_only=True)


def current_authorisation(order: Any) -> Any | None:
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    return (
        PaymentAuthorisation._default_manager.filter(order=order)
        .exclude(status=S.REPLACED)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def reauthorise_outstanding(order_id: int) -> Any | None:
    """After a capture that ended its authorisation, authorise what the order still owes."""
    order = lock_order(order_id)
    last = current_authorisation(order) if order is not None else None
    if last is None or last.status != S.CLOSED:
        return None
    authorisation = lock_authorisation(last.pk)
    amount = still_owed(order, authorisation)
    if amount <= 0:
        return None
    return _reauthorise(authorisation, amount)


def _sweep_lapsed(now: datetime.datetime) -> None:
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    ids = PaymentAuthorisation._default_manager.filter(
        status__in=[S.ACTIVE, S.NEEDS_CUSTOMER, S.REPLACED, S.CLOSED], expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(ids):
        with transaction.atomic():
            authorisation = lock_authorisation(pk)
            if authorisation.expires_at and authorisation.expires_at <= now:
                lapse(authorisation)


def _sweep_replaced(now: datetime.datetime) -> None:
    """Release what replaced authorisations still hold (their release failed, or waited for a
    capture whose outcome was unknown)."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
    candidates = PaymentAuthorisation._default_manager.filter(
        status=S.REPLACED, expires_at__gt=now
    ).values_list("pk", "amount", "amount_captured", "amount_released", "order_id")
    for pk, amount, captured, released, order_id in list(candidates):
        if amount - captured - released <= 0:
            continue
        with transaction.atomic():
            order = lock_order(order_id)
            authorisation = lock_authorisation(pk)
            n = PaymentLedgerEntry._default_manager.filter(authorisation_id=pk).count()
            release_remainder(
                authorisation,
                key=idempotency_key(order.number, "release-replaced", pk, n),
                note=_("left over after its replacement"),
            )


def refresh_expiring_authorisations(*, now: datetime.datetime | None = None) -> int:
    """Record lapses, release leftovers, and renew active authorisations near their deadline.

    Returns how many authorisations were renewed or handed to the customer. Safe to run
    concurrently and repeatedly: each authorisation is locked and re-checked.
    """
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    now = now or timezone.now()
    _sweep_lapsed(now)
    _sweep_replaced(now)
    horizon = now + datetime.timedelta(hours=backorder_settings.PAYMENT_REAUTHORISE_WITHIN_HOURS)
    due = PaymentAuthorisation._default_manager.filter(status=S.ACTIVE, expires_at__lte=horizon)
    handled = 0
    for pk, order_id in list(due.order_by("pk").values_list("pk", "order_id")):
        with transaction.atomic():
            order = lock_order(order_id)
            authorisation = lock_authorisation(pk)
            if authorisation.status != S.ACTIVE or not (
                authorisation.expires_at and authorisation.expires_at <= horizon
            ):
                continue
            amount = still_owed(order, authorisation)
            if amount <= 0:
                # Nothing more will be captured: give the rest back now.
                release_remainder(
                    authorisation,
                    key=idempotency_key(order.number, "release-unused", pk),
                    note=_("nothing left to capture"),
                )
                if ledger.held(authorisation) == 0 and move(authorisation, S.CLOSED):
                    authorisation.save(update_fields=["status", "date_updated"])
                continue
            _reauthorise(authorisation, amount)
            handled += 1
    return handled


# Names that moved to :mod:`oscar_backorders.payments.confirmation` (old paths warn and work).
__getattr__ = moved_names(
    __name__,
    {
        "CONFIRM_SALT": "oscar_backorders.payments.confirmation.CONFIRM_SALT",
        "confirm_payment": "oscar_backorders.payments.confirmation.confirm_payment",
        "confirmation_token": "oscar_backorders.payments.confirmation.confirmation_token",
        "confirmation_url": "oscar_backorders.payments.confirmation.confirmation_url",
    },
)
