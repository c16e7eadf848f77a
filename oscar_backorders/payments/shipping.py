"""Ship line quantities of an order and capture exactly what they are worth.

:func:`ship` is the one way to ship (the admin action, a shop's dashboard hook, tasks and tests
call it). It runs in three steps so no crash or retry can capture twice:

1. :func:`plan_shipment` (atomic, holds the order's lock): validate, split each line's quantity
   into in-stock and backordered units (backordered units must have stock allocated), value it,
   and write a ``pending`` :class:`PaymentCapture` with a deterministic idempotency key.
2. The gateway captures, with that key (:func:`oscar_backorders.payments.capture.settle_capture`).
3. On success, in one transaction: Oscar's shipping event (through ``EventHandler``), stock
   allocations consumed, backordered units shipped (``services.record_shipment``), the ``Source``
   debited, a ``PaymentEvent`` linked to the shipping event. On failure the shipment is *held*:
   nothing is marked shipped, the order gets a note, and the capture is retried later with the
   same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.locks import lock_order
from oscar_backorders.payments.abstract_models import AuthorisationStatus
from oscar_backorders.payments.accounts import (
    OrderAccounts,
    backordered_start,
    order_accounts,
    order_extras,
)
from oscar_backorders.payments.amounts import units_value
from oscar_backorders.payments.authorise import active_authorisation, idempotency_key
from oscar_backorders.payments.capture import ShipmentResult, settle_capture
from oscar_backorders.payments.common import retry_delay
from oscar_backorders.payments.exceptions import ShipmentRefused
from oscar_backorders.payments.lifecycle import unsettled_captures


def _check_quantities(order_id: Any, quantities: Any) -> dict[int, int]:
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        raise ShipmentRefused(_("The order id must be a whole number."))
    if not isinstance(quantities, dict) or not quantities:
        raise ShipmentRefused(
            _("Say which order lines ship, and how many units of each."), order_id=order_id
        )
    for line_id, quantity in quantities.items():
        if not isinstance(line_id, int) or isinstance(line_id, bool):
            raise ShipmentRefused(
                _("Order line ids must be whole numbers (got %(id)r).") % {"id": line_id},
                order_id=order_id,
                line_id=line_id,
            )
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ShipmentRefused(
                _("The quantity to ship of line %(id)s must be at least 1 (got %(quantity)r).")
                % {"id": line_id, "quantity": quantity},
                order_id=order_id,
                line_id=line_id,
            )
    return dict(quantities)


def _backorder_of(line: Any) -> Any | None:
    try:
        return line.backorder
    except Exception:  # RelatedObjectDoesNotExist: the line has no backordered part
        return None


@dataclass(frozen=True, slots=True)
class ShipmentQuote:
    """What a shipment is worth: the money its capture takes, per order line and in total.

    ``line_amounts`` maps each shipped order line id to the value of its units (zero for units
    paid at checkout); ``extras`` is the shipping charge and surcharges this shipment takes.
    ``last``: after it, no unit of the order is left to ship (the rest is cancelled).
    """

    order_id: int
    order_number: str
    currency: str
    line_amounts: dict[int, Decimal]
    extras: Decimal
    includes_shipping: bool
    prepaid: bool
    backordered: dict[str, int]
    last: bool = False

    @property
    def amount(self) -> Decimal:
        return sum(self.line_amounts.values(), Decimal("0.00")) + self.extras


def price_shipment(
    order: Any, quantities: dict[int, int], *, accounts: OrderAccounts | None = None
) -> ShipmentQuote:
    """Validate a shipment of ``quantities`` (order line id → units) and value it; writes nothing.

    The one pricing of a shipment: :func:`plan_shipment` captures exactly what this returns
    (called under the order's lock), and the console's confirmation page shows it beforehand.
    Raises :class:`ShipmentRefused` as :func:`plan_shipment` does. Takes no lock itself.
    """
    order_id = order.pk
    quantities = _check_quantities(order_id, quantities)
    lines = {
        line.pk: line
        for line in order.lines.select_related("stockrecord", "backorder").order_by("pk")
    }
    foreign = sorted(set(quantities) - set(lines))
    if foreign:
        raise ShipmentRefused(
            _("Line(s) %(ids)s are not lines of order %(number)s.")
            % {"ids": ", ".join(map(str, foreign)), "number": order.number},
            order_id=order_id,
            line_id=foreign[0],
        )
    if accounts is None:
        accounts = order_accounts(order)
    if accounts.checkout_open:
        raise ShipmentRefused(
            _(
                "The payment taken at checkout for order %(number)s is not settled yet; retry "
                "it before shipping."
            )
            % {"number": order.number},
            order_id=order_id,
        )
    line_amounts: dict[int, Decimal] = {}
    backordered: dict[str, int] = {}
    units_left_after = 0
    for line_id, line in lines.items():
        account = accounts.lines[line_id]
        backorder = _backorder_of(line)
        cancelled = backorder.quantity_cancelled if backorder else 0
        left = line.quantity - account.reserved - cancelled
        quantity = quantities.get(line_id, 0)
        units_left_after += max(left - quantity, 0)
        if not quantity:
            continue
        if quantity > left:
            raise ShipmentRefused(
                _("Only %(left)d unit(s) of %(title)s are left to ship (asked for %(asked)d).")
                % {"left": max(left, 0), "title": line.title, "asked": quantity},
                order_id=order_id,
                line_id=line_id,
            )
        in_stock_part = line.quantity - (backorder.quantity if backorder else 0)
        in_stock_left = in_stock_part - (account.reserved - account.reserved_backordered)
        from_backorder = quantity - min(quantity, max(in_stock_left, 0))
        if from_backorder:
            ready = backorder.quantity_allocated - account.unrecorded_backordered
            if from_backorder > ready:
                raise ShipmentRefused(
                    _(
                        "Only %(ready)d backordered unit(s) of %(title)s have stock allocated; "
                        "%(waiting)d are still waiting for stock and cannot ship yet."
                    )
                    % {
                        "ready": max(ready, 0),
                        "title": line.title,
                        "waiting": backorder.quantity_waiting,
                    },
                    order_id=order_id,
                    line_id=line_id,
                )
            backordered[str(line_id)] = from_backorder
        needed = quantity + account.unrecorded
        if (
            line.stockrecord_id
            and line.can_track_allocations
            and not (
                line.is_allocation_consumption_possible(needed)
                and line.stockrecord.is_allocation_consumption_possible(needed)
            )
        ):
            raise ShipmentRefused(
                _(
                    "The stock of %(title)s does not cover %(quantity)d unit(s): %(in_stock)d "
                    "on the shelf."
                )
                % {
                    "title": line.title,
                    "quantity": quantity,
                    "in_stock": line.stockrecord.num_in_stock or 0,
                },
                order_id=order_id,
                line_id=line_id,
            )
        if accounts.prepaid:
            # The in-stock units were captured at checkout: only backordered units cost more.
            start = backordered_start(line, account, from_backorder)
            count = from_backorder
        else:
            start, count = min(account.accounted, line.quantity - quantity), quantity
        line_amounts[line_id] = units_value(
            line.line_price_incl_tax, line.quantity, start=start, count=count
        )
    with_first = backorder_settings.PAYMENT_SHIPPING_CHARGE_WITH == "first"
    includes_shipping = not accounts.extras_taken and (with_first or units_left_after == 0)
    return ShipmentQuote(
        order_id=order_id,
        order_number=order.number,
        currency=order.currency,
        line_amounts=line_amounts,
        extras=order_extras(order) if includes_shipping else Decimal("0.00"),
        includes_shipping=includes_shipping,
        prepaid=accounts.prepaid,
        backordered=backordered,
        last=units_left_after == 0,
    )


def quote_shipment(order_id: int, quantities: dict[int, int]) -> ShipmentQuote:
    """What shipping ``quantities`` of order ``order_id`` would capture now (no lock, no write).

    Raises :class:`ShipmentRefused` when the shipment would be refused. The authorisation is
    not checked here: :func:`oscar_backorders.payments.authorise.active_authorisation` says
    whether there is one to capture from.
    """
    Order = get_model("order", "Order")
    order = Order._default_manager.filter(pk=order_id).first() if order_id else None
    if order is None:
        raise ShipmentRefused(_("There is no order %(id)s.") % {"id": order_id}, order_id=order_id)
    return price_shipment(order, quantities)


@transaction.atomic
def plan_shipment(
    order_id: int, quantities: dict[int, int], *, actor: Any = None, reason: str = ""
) -> Any:
    """Validate a shipment and reserve its units in a ``pending`` capture (no money moves).

    Locks the order. Raises :class:`ShipmentRefused` (nothing written) when a quantity is not a
    positive whole number, a line is not the order's, more units would ship than are left, or
    backordered units are still waiting for stock; :class:`NoAuthorisation` when there is nothing
    to capture from. The amount is :func:`price_shipment`'s, read under the lock.
    """
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    quantities = _check_quantities(order_id, quantities)
    order = lock_order(order_id)
    if order is None:
        raise ShipmentRefused(_("There is no order %(id)s.") % {"id": order_id}, order_id=order_id)
    authorisation = active_authorisation(order.pk)
    accounts = order_accounts(order)
    quote = price_shipment(order, quantities, accounts=accounts)
    amount = quote.amount
    if amount > 0 and authorisation.status != AuthorisationStatus.ACTIVE:
        # (A shipment worth nothing more, e.g. of units paid at checkout, asks for no money.)
        raise ShipmentRefused(
            _(
                "The payment authorisation of order %(number)s is %(status)s; nothing can be "
                "captured until the customer confirms payment again."
            )
            % {"number": order.number, "status": authorisation.get_status_display()},
            order_id=order_id,
        )
    available = authorisation.amount_remaining - unsettled_captures(authorisation)
    if amount > available:
        raise ShipmentRefused(
            _(
                "This shipment is worth %(amount)s %(currency)s but only %(available)s remain "
                "authorised; nothing was captured."
            )
            % {"amount": amount, "currency": order.currency, "available": available},
            order_id=order_id,
        )
    sequence = accounts.next_sequence
    # The order's last capture tells the provider so (multicapture then releases the rest at
    # once), unless an earlier capture still draws from the same authorisation. Kept on the
    # capture: every retry under its key sends the same parameters.
    final = quote.last and unsettled_captures(authorisation) == 0
    return PaymentCapture._default_manager.create(
        order=order,
        authorisation=authorisation,
        sequence=sequence,
        idempotency_key=idempotency_key(
            order.number, "shipment", sequence, "auth", authorisation.pk
        ),
        amount=amount,
        currency=order.currency,
        line_quantities={str(k): v for k, v in sorted(quantities.items())},
        backorder_quantities=quote.backordered,
        includes_shipping=quote.includes_shipping,
        final=final,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:255],
        # Due for the retry task should this process die before the capture is settled.
        next_attempt_at=timezone.now() + retry_delay(1),
    )


def ship(
    order_id: int, quantities: dict[int, int], *, actor: Any = None, reason: str = ""
) -> ShipmentResult:
    """Ship ``quantities`` (order line id → units) of an order and capture their value once.

    Returns a :class:`ShipmentResult`: ``status == "captured"`` when the shipment was recorded,
    ``"failed"`` when the capture failed and the shipment is held (retried later, see
    :func:`oscar_backorders.payments.retries.retry_due_captures`). Refused input raises
    :class:`ShipmentRefused` and changes nothing. Sends ``payment_captured`` or
    ``payment_capture_failed`` after commit.
    """
    capture = plan_shipment(order_id, quantities, actor=actor, reason=reason)
    return settle_capture(capture.pk)


__all__ = [
    "ShipmentQuote",
    "ShipmentRefused",
    "ShipmentResult",
    "plan_shipment",
    "price_shipment",
    "quote_shipment",
    "ship",
]
