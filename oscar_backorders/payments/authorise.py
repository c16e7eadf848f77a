"""Authorise an order's total and record it the way Oscar records payments.

The record is an Oscar ``payment.Source`` (``amount_allocated`` = the authorised amount, with an
``Authorise`` ``Transaction``), an Oscar ``PaymentEvent`` of the distinct type
:data:`AUTHORISED_EVENT` (never the settle type: Oscar counts payment events against line
quantities, and the captures per shipment must still be possible), and a
:class:`PaymentAuthorisation` with the provider's reference and capture deadline.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments import ledger
from oscar_backorders.payments.abstract_models import AuthorisationStatus, LedgerKind
from oscar_backorders.payments.exceptions import NoAuthorisation, PaymentRefused
from oscar_backorders.payments.gateways.base import Authorisation

#: Oscar payment event type names the plugin records (one type per kind of money movement).
AUTHORISED_EVENT = "Authorised"
CAPTURED_EVENT = "Captured"
RELEASED_EVENT = "Released"
REFUNDED_EVENT = "Refunded"
#: Oscar shipping event type of a shipment: matched by its code (the slug of its name), so a
#: shop that renamed or translated the name keeps it; created with this name where missing (a
#: fresh Oscar has no shipping event types).
SHIPPED_EVENT = "Shipped"
SHIPPED_EVENT_CODE = "shipped"


def idempotency_key(order_number: str, *parts: Any) -> str:
    """A deterministic key: the same operation on the same order always gets the same key."""
    return ":".join(
        [backorder_settings.PAYMENT_IDEMPOTENCY_PREFIX, str(order_number), *map(str, parts)]
    )


def payment_event_type(name: str) -> Any:
    PaymentEventType = get_model("order", "PaymentEventType")
    event_type, _created = PaymentEventType._default_manager.get_or_create(name=name)
    return event_type


def deadline(answer: Authorisation, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """The capture deadline: the provider's, or the configured validity from now."""
    if answer.expires_at is not None:
        return answer.expires_at
    days = backorder_settings.PAYMENT_AUTHORISATION_VALIDITY_DAYS
    return (now or timezone.now()) + datetime.timedelta(days=days)


def check_amount(amount: Any) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PaymentRefused(_("The amount must be a decimal number."))
    if amount <= 0:
        raise PaymentRefused(
            _("The amount must be more than zero (got %(amount)s).") % {"amount": amount}
        )
    return amount


def build_source(answer: Authorisation, *, gateway_name: str) -> Any:
    """An unsaved Oscar ``Source`` for an authorisation, with its deferred ``Authorise``."""
    Source = get_model("payment", "Source")
    SourceType = get_model("payment", "SourceType")
    Transaction = get_model("payment", "Transaction")
    source_type, _created = SourceType._default_manager.get_or_create(name=gateway_name)
    source = Source(
        source_type=source_type,
        currency=answer.currency,
        amount_allocated=answer.amount,
        reference=answer.reference,
    )
    source.create_deferred_transaction(Transaction.AUTHORISE, answer.amount, answer.reference)
    return source


@transaction.atomic
def record_authorisation(
    order: Any,
    answer: Authorisation,
    *,
    gateway_name: str,
    source: Any | None = None,
    with_payment_event: bool = True,
) -> Any:
    """Write the plugin's record (and, unless given, Oscar's ``Source``) of an authorisation.

    The checkout mixin passes the ``Source`` Oscar already saved; other callers let this create it.
    """
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    OrderNote = get_model("order", "OrderNote")
    if source is None:
        source = build_source(answer, gateway_name=gateway_name)
        source.order = order
        source.save()
    if with_payment_event:
        event = order.payment_events.create(
            event_type=payment_event_type(AUTHORISED_EVENT),
            amount=answer.amount,
            reference=answer.reference,
        )
        for line in order.lines.all():
            event.line_quantities.create(line=line, quantity=line.quantity)
    expires_at = deadline(answer)
    authorisation = PaymentAuthorisation._default_manager.create(
        order=order,
        source=source,
        gateway=gateway_name,
        reference=answer.reference,
        payment_method=answer.payment_method,
        currency=answer.currency,
        amount=answer.amount,
        expires_at=expires_at,
    )
    ledger.post(
        authorisation,
        LedgerKind.AUTHORISED,
        answer.amount,
        reference=answer.reference,
        idempotency_key=idempotency_key(order.number, "authorise"),
        source_counted=True,
    )
    OrderNote._default_manager.create(
        order=order,
        note_type=OrderNote.SYSTEM,
        message=_("Authorised %(amount)s %(currency)s (%(reference)s), capturable until %(until)s.")
        % {
            "amount": answer.amount,
            "currency": answer.currency,
            "reference": answer.reference,
            "until": f"{expires_at:%Y-%m-%d %H:%M}",
        },
    )
    return authorisation


def active_authorisation(order_id: int, *, lock: bool = False) -> Any:
    """The order's authorisation that captures draw from, or :class:`NoAuthorisation`."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    queryset = PaymentAuthorisation._default_manager.filter(order_id=order_id).exclude(
        status__in=[AuthorisationStatus.REPLACED]
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    authorisation = queryset.order_by("-pk").first()
    if authorisation is None:
        raise NoAuthorisation(
            _("This order has no payment authorisation to capture from."), order_id=order_id
        )
    return authorisation
