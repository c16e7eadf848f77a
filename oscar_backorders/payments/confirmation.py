"""The customer confirms payment: a signed link to the confirm-payment page, and the
authorisation of what the order still owes when they confirm (with Stripe, through the card form
and 3-D Secure; see :mod:`oscar_backorders.payments.next_action`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from oscar_backorders.locks import lock_authorisation, lock_order
from oscar_backorders.payments.authorise import idempotency_key
from oscar_backorders.payments.common import order_note
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways import get_gateway

if TYPE_CHECKING:
    from oscar_backorders.payments.gateways.base import Authorisation

from oscar_backorders.payments.lifecycle import (
    S,
    current_authorisation,
    replace_authorisation,
    still_owed,
)

CONFIRM_SALT = "oscar_backorders.payments.confirm"


def confirm_payment(
    order_id: int,
    *,
    payment_token: str,
    confirmed: Callable[[str, Decimal, str], Authorisation] | None = None,
) -> Any:
    """The customer authorises again what the order still owes, after a renewal failed.

    ``confirmed(order_number, amount, currency)``, when given, returns the authorisation the
    customer completed in the browser (3-D Secure; see :mod:`.next_action`) instead of asking the
    gateway to authorise ``payment_token``.

    Refuses (:class:`PaymentRefused`, no money moved) when the order's payment needs no
    confirmation or nothing is owed. Held captures follow the new authorisation on their next
    retry; the old authorisation's hold is released. Raises the gateway's errors (a decline
    leaves everything as it was).
    """
    with transaction.atomic():
        order = lock_order(order_id)
        if order is None:
            raise PaymentRefused(_("There is no order %(id)s.") % {"id": order_id})
        last = current_authorisation(order)
        if last is None or last.status not in (S.NEEDS_CUSTOMER, S.EXPIRED):
            raise PaymentRefused(
                _("The payment of order %(number)s does not need confirming.")
                % {"number": order.number},
                order_id=order_id,
            )
        authorisation = lock_authorisation(last.pk)
        amount = still_owed(order, authorisation)
        if amount <= 0:
            raise PaymentRefused(
                _("Nothing of order %(number)s is left to pay.") % {"number": order.number},
                order_id=order_id,
            )
        gateway = get_gateway()
        answer = (
            confirmed(order.number, amount, authorisation.currency)
            if confirmed
            else gateway.authorise(
                amount=amount,
                currency=authorisation.currency,
                order_number=order.number,
                payment_token=payment_token,
                idempotency_key=idempotency_key(
                    order.number, "confirm", authorisation.pk, payment_token
                ),
            )
        )
        fresh = replace_authorisation(authorisation, answer, gateway_name=gateway.name)
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
