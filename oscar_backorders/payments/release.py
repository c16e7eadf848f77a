"""Release the money of cancelled backordered units: void what is held, refund what was taken.

:func:`record_release` runs inside the cancelling transaction (receiver of
``backorder_cancellation_recorded``): it values the cancelled units and writes a ``pending``
:class:`PaymentRelease`, so a committed cancellation always has its release. After commit
:func:`execute_release` asks the gateway, with the release's idempotency key, and records an
Oscar ``PaymentEvent`` (``Released`` or ``Refunded``); repeating it does nothing more.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.locks import lock_authorisation, lock_order, lock_release
from oscar_backorders.payments import ledger, lifecycle
from oscar_backorders.payments.abstract_models import (
    AuthorisationStatus,
    CaptureStatus,
    LedgerKind,
    ReleaseKind,
    ReleaseStatus,
)
from oscar_backorders.payments.accounts import backordered_start, order_accounts, order_extras
from oscar_backorders.payments.amounts import units_value
from oscar_backorders.payments.authorise import (
    REFUNDED_EVENT,
    RELEASED_EVENT,
    idempotency_key,
    payment_event_type,
)
from oscar_backorders.payments.common import order_note, retry_delay
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.exceptions import GatewayError
from oscar_backorders.payments.states import move

ZERO = Decimal("0.00")


def record_release(backorder_line: Any, quantity: int) -> Any | None:
    """Write the pending release of ``quantity`` just-cancelled units (inside the cancellation).

    Returns ``None`` for orders the plugin did not authorise. Raises :class:`PaymentRefused`
    (rolling the cancellation back) when the cancelled units are already in a shipment being
    captured.
    """
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    order = lock_order(backorder_line.order_id)
    authorisation = (
        PaymentAuthorisation._default_manager.filter(order=order).order_by("-pk").first()
    )
    if authorisation is None:
        return None
    line = backorder_line.line
    accounts = order_accounts(order)
    account = accounts.lines[line.pk]
    if account.unrecorded_backordered > backorder_line.quantity_allocated:
        raise PaymentRefused(
            _(
                "%(count)d unit(s) of %(title)s are in a shipment whose payment is being "
                "captured; they cannot be cancelled."
            )
            % {"count": account.unrecorded_backordered, "title": line.title},
            order_id=order.pk,
            line_id=line.pk,
        )
    if accounts.prepaid:
        start = backordered_start(line, account, quantity)
    else:
        start = min(account.accounted, line.quantity - quantity)
    amount = units_value(line.line_price_incl_tax, line.quantity, start=start, count=quantity)
    # The last open units of the order cancelled before any shipment took the shipping charge:
    # the charge goes with them.
    includes_extras = False
    if not accounts.extras_taken:
        open_units = 0
        for other in order.lines.all():
            other_account = accounts.lines[other.pk]
            backorder = getattr(other, "backorder", None) if other.pk != line.pk else backorder_line
            cancelled = backorder.quantity_cancelled if backorder else 0
            open_units += other.quantity - other_account.reserved - cancelled
        includes_extras = open_units <= 0
        if includes_extras:
            amount += order_extras(order)
    count = PaymentRelease._default_manager.filter(backorder_line=backorder_line).count()
    return PaymentRelease._default_manager.create(
        order=order,
        backorder_line=backorder_line,
        authorisation=authorisation,
        quantity=quantity,
        amount=amount,
        currency=authorisation.currency,
        includes_extras=includes_extras,
        idempotency_key=idempotency_key(order.number, "cancel", backorder_line.pk, count + 1),
    )


def execute_release(release_id: int) -> Any:
    """Give back at the provider what a recorded release's units held; idempotent.

    What the order's current authorisation still holds for them is released at the provider
    (captures only ever take the value of shipped units, so cancelled units' money is never
    captured), whether the authorisation is active or waiting for the customer to confirm
    payment. What no authorisation holds any more (a provider that released the rest at a
    partial capture, a lapsed authorisation) is recorded as ``none``: there is nothing to give
    back, and the order owes it no more either way. Money taken for shipped units is refunded
    with :func:`refund_capture`.
    """
    try:
        return _execute(release_id)
    except GatewayError as exc:
        return _release_failed(release_id, exc)


@transaction.atomic
def _execute(release_id: int) -> Any:
    release = lock_release(release_id)
    if release.status == ReleaseStatus.DONE:
        return release
    order = lock_order(release.order_id)
    current = lifecycle.current_authorisation(order)
    authorisation = lock_authorisation(current.pk) if current else None
    voided = ZERO
    reference = ""
    if authorisation is not None and not lifecycle.provider_holds(authorisation):
        lifecycle.lapse(authorisation)
    elif authorisation is not None:
        # Captures not yet settled draw from the same authorisation: keep their share held.
        pending = lifecycle.unsettled_captures(authorisation)
        held = ledger.held(authorisation)
        voidable = max(min(release.amount, held - pending), ZERO)
        whole = voidable == held
        gateway = get_gateway()
        if voidable > 0 and (whole or gateway.capabilities.partial_release):
            answer = gateway.release(
                authorisation.reference,
                amount=voidable,
                currency=release.currency,
                idempotency_key=release.idempotency_key,
                remainder=whole,
            )
            reference, voided = answer.reference, voidable
            ledger.post(
                authorisation,
                LedgerKind.RELEASED,
                voided,
                reference=reference,
                idempotency_key=release.idempotency_key,
                release=release,
                note=f"{release.quantity} cancelled unit(s)",
            )
        # (A provider that cannot release part of an authorisation lets it go when the
        # authorisation ends; the amount is never captured meanwhile.)
    if (
        authorisation is not None
        and authorisation.status
        in (AuthorisationStatus.NEEDS_CUSTOMER, AuthorisationStatus.EXPIRED)
        and lifecycle.still_owed(order, authorisation) <= 0
    ):
        # Everything the customer was asked to confirm is cancelled: nothing to confirm.
        lifecycle.release_remainder(
            authorisation,
            key=idempotency_key(order.number, "release-unused", authorisation.pk),
            note=_("nothing left to confirm"),
        )
        if ledger.held(authorisation) == 0 and move(authorisation, AuthorisationStatus.CLOSED):
            authorisation.save(update_fields=["status", "date_updated"])
    kind = ReleaseKind.VOID if voided else ReleaseKind.NONE
    release.kind = kind
    release.reference = reference
    release.status = ReleaseStatus.DONE
    release.date_done = timezone.now()
    release.last_error = ""
    if voided:
        event = order.payment_events.create(
            event_type=payment_event_type(RELEASED_EVENT), amount=voided, reference=reference
        )
        event.line_quantities.create(line=release.backorder_line.line, quantity=release.quantity)
        release.payment_event = event
    release.save()
    order_note(
        order,
        _("Released %(amount)s %(currency)s for %(quantity)d cancelled unit(s) (%(kind)s).")
        % {
            "amount": voided,
            "currency": release.currency,
            "quantity": release.quantity,
            "kind": release.get_kind_display(),
        },
    )
    amount, kind_value = voided, str(kind)
    transaction.on_commit(
        lambda: signals.payment_released.send(
            sender=type(release), order=order, amount=amount, kind=kind_value
        )
    )
    return release


def refund_capture(capture_id: int, amount: Decimal, *, reason: str, actor: Any = None) -> Any:
    """Refund part or all of a captured shipment (returns, goodwill); recorded as ``Refunded``.

    Refuses a non-positive amount or more than the capture has left to refund.
    """
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    if not isinstance(amount, Decimal) or amount <= 0:
        raise PaymentRefused(_("The refund must be more than zero (got %(a)s).") % {"a": amount})
    with transaction.atomic():
        capture = PaymentCapture._default_manager.select_for_update().get(pk=capture_id)
        if capture.status != CaptureStatus.CAPTURED:
            raise PaymentRefused(_("Only a captured shipment can be refunded."))
        refunded = sum(
            capture.order.payment_events.filter(
                event_type__name=REFUNDED_EVENT, reference__startswith=f"{capture.reference}/"
            ).values_list("amount", flat=True),
            ZERO,
        )
        if amount > capture.amount - refunded:
            raise PaymentRefused(
                _("Only %(left)s of this shipment can still be refunded.")
                % {"left": capture.amount - refunded}
            )
        n = capture.order.payment_events.filter(event_type__name=REFUNDED_EVENT).count() + 1
        answer = get_gateway().refund(
            capture.reference,
            amount=amount,
            currency=capture.currency,
            idempotency_key=idempotency_key(capture.order.number, "refund", capture.pk, n),
        )
        capture.order.payment_events.create(
            event_type=payment_event_type(REFUNDED_EVENT),
            amount=amount,
            reference=f"{capture.reference}/{answer.reference}",
            shipping_event=capture.shipping_event,
        )
        ledger.post(
            lock_authorisation(capture.authorisation_id),
            LedgerKind.REFUNDED,
            amount,
            reference=answer.reference,
            idempotency_key=idempotency_key(capture.order.number, "refund", capture.pk, n),
            capture=capture,
            note=reason,
        )
        order_note(
            capture.order,
            _("Refunded %(amount)s of shipment %(n)d: %(reason)s")
            % {"amount": amount, "n": capture.sequence, "reason": reason},
            actor,
        )
        order = capture.order
        transaction.on_commit(
            lambda: signals.payment_released.send(
                sender=type(capture), order=order, amount=amount, kind="refund"
            )
        )
    return answer


@transaction.atomic
def _release_failed(release_id: int, error: Exception) -> Any:
    release = lock_release(release_id)
    if release.status == ReleaseStatus.DONE:
        return release
    release.status = ReleaseStatus.FAILED
    release.attempts += 1
    release.last_error = str(error)[:2000]
    release.save(update_fields=["status", "attempts", "last_error"])
    order_note(
        release.order,
        _("Releasing %(amount)s %(currency)s failed (%(error)s); it will be retried after %(m)s.")
        % {
            "amount": release.amount,
            "currency": release.currency,
            "error": error,
            "m": f"{timezone.now() + retry_delay(release.attempts):%Y-%m-%d %H:%M}",
        },
    )
    return release


def retry_failed_releases() -> int:
    """Retry every pending or failed release; returns how many are now done."""
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    ids = list(
        PaymentRelease._default_manager.exclude(status=ReleaseStatus.DONE).values_list(
            "pk", flat=True
        )
    )
    return sum(execute_release(pk).status == ReleaseStatus.DONE for pk in ids)
