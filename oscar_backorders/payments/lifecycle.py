"""Keep an authorisation capturable for as long as its backordered units wait.

Card authorisations lapse after days (Stripe: 7 for customer-initiated payments), backorders wait
for weeks. Every authorisation stores its capture deadline (from the provider's answer when it
gives one). :func:`refresh_expiring_authorisations`, run periodically by Celery beat, takes a
fresh authorisation from the stored payment method ahead of the deadline (within
``BACKORDERS_PAYMENT_REAUTHORISE_WITHIN_HOURS``); when the gateway cannot, or the re-authorisation
fails, the authorisation is marked as waiting for the customer, the order gets a note and
``authorisation_expiring`` is sent (so the customer can be asked to confirm payment). Every step
leaves an order note.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments.abstract_models import AuthorisationStatus, CaptureStatus
from oscar_backorders.payments.authorise import deadline, idempotency_key
from oscar_backorders.payments.capture import order_note, settle_capture
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.exceptions import GatewayError
from oscar_backorders.payments.locks import lock_authorisation, lock_order

ZERO = Decimal("0.00")


def _needs_customer(authorisation: Any, why: str) -> None:
    authorisation.status = AuthorisationStatus.NEEDS_CUSTOMER
    authorisation.save(update_fields=["status"])
    order = authorisation.order
    order_note(
        order,
        _(
            "The payment authorisation %(reference)s could not be renewed (%(why)s); the "
            "customer must confirm payment before the waiting items can ship."
        )
        % {"reference": authorisation.reference, "why": why},
    )
    expires_at = authorisation.expires_at
    transaction.on_commit(
        lambda: signals.authorisation_expiring.send(
            sender=type(authorisation), order=order, expires_at=expires_at
        )
    )


def _unknown_outcomes(authorisation: Any) -> Decimal:
    """Amount of this authorisation's captures that may have moved money without a record."""
    return sum(
        authorisation.captures.filter(
            outcome_unknown=True, status__in=[CaptureStatus.PENDING, CaptureStatus.FAILED]
        ).values_list("amount", flat=True),
        ZERO,
    )


def _replace(authorisation: Any, answer: Any, *, uncertain: Decimal, gateway_name: str) -> Any:
    """Record ``answer`` as the successor of a locked authorisation."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    authorisation.status = AuthorisationStatus.REPLACED
    authorisation.amount_released = authorisation.amount - authorisation.amount_captured - uncertain
    authorisation.save(update_fields=["status", "amount_released"])
    fresh = PaymentAuthorisation._default_manager.create(
        order=authorisation.order,
        source=authorisation.source,
        gateway=gateway_name,
        reference=answer.reference,
        payment_method=answer.payment_method or authorisation.payment_method,
        currency=answer.currency,
        amount=answer.amount,
        expires_at=deadline(answer),
        replaces=authorisation,
    )
    if authorisation.source_id:
        authorisation.source.transactions.create(
            txn_type="Re-authorise", amount=answer.amount, reference=answer.reference
        )
    return fresh


def _reauthorise(authorisation: Any, amount: Decimal) -> Any | None:
    """Replace a locked authorisation by a fresh one for ``amount``; ``None`` if it failed.

    Captures whose outcome is unknown stay on the old authorisation (they are retried with their
    own key there), so their amount is neither released nor authorised again.
    """
    gateway = get_gateway()
    uncertain = _unknown_outcomes(authorisation)
    amount -= uncertain
    if amount <= 0:
        return None
    if not (gateway.capabilities.reauthorise and authorisation.payment_method):
        _needs_customer(authorisation, _("the payment provider cannot re-authorise"))
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
        _needs_customer(authorisation, str(exc))
        return None
    fresh = _replace(authorisation, answer, uncertain=uncertain, gateway_name=gateway.name)
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


def outstanding(order: Any) -> Decimal:
    """What the order still has to pay: its total less captures done and releases recorded."""
    captured = sum(
        order.backorder_captures.filter(status=CaptureStatus.CAPTURED).values_list(
            "amount", flat=True
        ),
        ZERO,
    )
    released = sum(order.backorder_releases.values_list("amount", flat=True), ZERO)
    return order.total_incl_tax - captured - released


@transaction.atomic
def reauthorise_outstanding(order_id: int) -> Any | None:
    """After a capture that ended its authorisation, authorise what the order still owes."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    order = lock_order(order_id)
    last = PaymentAuthorisation._default_manager.filter(order=order).order_by("-pk").first()
    if last is None or last.status != AuthorisationStatus.CLOSED:
        return None
    amount = outstanding(order)
    if amount <= 0:
        return None
    return _reauthorise(lock_authorisation(last.pk), amount)


def refresh_expiring_authorisations(*, now: datetime.datetime | None = None) -> int:
    """Re-authorise every active authorisation whose deadline falls within the window.

    Returns how many authorisations were handled (renewed or handed to the customer). Safe to
    run concurrently and repeatedly: each authorisation is locked and re-checked.
    """
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=backorder_settings.PAYMENT_REAUTHORISE_WITHIN_HOURS)
    ids = list(
        PaymentAuthorisation._default_manager.filter(
            status=AuthorisationStatus.ACTIVE, expires_at__lte=horizon
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    handled = 0
    for pk in ids:
        # Settle captures whose outcome is unknown first (same key: no double capture).
        for capture_id in PaymentCapture._default_manager.filter(
            authorisation_id=pk, outcome_unknown=True, status=CaptureStatus.FAILED
        ).values_list("pk", flat=True):
            settle_capture(capture_id)
        with transaction.atomic():
            authorisation = lock_authorisation(pk)
            if (
                authorisation.status != AuthorisationStatus.ACTIVE
                or authorisation.expires_at is None
                or authorisation.expires_at > horizon
            ):
                continue
            if authorisation.amount_remaining <= 0:
                authorisation.status = AuthorisationStatus.CLOSED
                authorisation.save(update_fields=["status"])
                continue
            _reauthorise(authorisation, authorisation.amount_remaining)
            handled += 1
    return handled


CONFIRM_SALT = "oscar_backorders.payments.confirm"


def confirm_payment(order_id: int, *, payment_token: str) -> Any:
    """The customer authorises again what an expired or unrenewable authorisation held.

    Refuses (:class:`PaymentRefused`, no money moved) when the order's payment needs no
    confirmation. Held captures then follow the new authorisation on their next retry. Raises the
    gateway's errors (a decline leaves everything as it was).
    """
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    with transaction.atomic():
        order = lock_order(order_id)
        if order is None:
            raise PaymentRefused(_("There is no order %(id)s.") % {"id": order_id})
        last = PaymentAuthorisation._default_manager.filter(order=order).order_by("-pk").first()
        if last is None or last.status not in (
            AuthorisationStatus.NEEDS_CUSTOMER,
            AuthorisationStatus.EXPIRED,
        ):
            raise PaymentRefused(
                _("The payment of order %(number)s does not need confirming.")
                % {"number": order.number},
                order_id=order_id,
            )
        authorisation = lock_authorisation(last.pk)
        uncertain = _unknown_outcomes(authorisation)
        amount = authorisation.amount_remaining - uncertain
        if amount <= 0:
            raise PaymentRefused(
                _("Nothing of order %(number)s is left to pay.") % {"number": order.number},
                order_id=order_id,
            )
        gateway = get_gateway()
        answer = gateway.authorise(
            amount=amount,
            currency=authorisation.currency,
            order_number=order.number,
            payment_token=payment_token,
            idempotency_key=idempotency_key(order.number, "confirm", authorisation.pk),
        )
        fresh = _replace(authorisation, answer, uncertain=uncertain, gateway_name=gateway.name)
        order_note(
            order,
            _("The customer confirmed payment: %(amount)s %(currency)s authorised (%(ref)s).")
            % {"amount": answer.amount, "currency": answer.currency, "ref": answer.reference},
        )
    return fresh


def confirmation_token(authorisation: Any) -> str:
    """A signed token for the confirm-payment link of an authorisation."""
    return signing.dumps(
        {"order": authorisation.order_id, "authorisation": authorisation.pk}, salt=CONFIRM_SALT
    )


def confirmation_url(authorisation: Any) -> str:
    """Path of the confirm-payment page of an authorisation (for the customer's email)."""
    return reverse(
        "oscar_backorders:payments-confirm",
        kwargs={"number": authorisation.order.number, "token": confirmation_token(authorisation)},
    )
