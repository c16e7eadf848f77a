"""What an order's customer has paid, has held and still owes: the one source of every figure
the customer is shown about money, summed from the payments ledger (:mod:`.ledger`).

The order page, the thank-you page, the confirmation email and the backorder emails all read
:func:`order_money` (a shipment's own charge comes from its capture); none of them adds up
payment records itself, so the records behind it can change without any text telling the
customer something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from oscar_backorders.payments.abstract_models import CaptureStatus, LedgerKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """An order's money as the customer should read it, in the order's currency."""

    currency: str
    total: Decimal  # the order total
    charged: Decimal  # captured so far
    refunded: Decimal  # paid back of what was captured
    released: Decimal  # value of cancelled units (and their share of shipping) never to be paid
    held: Decimal  # held (authorised, not captured) on the customer's payment method right now
    #: Of ``charged``, money taken for a shipment that then could not leave, refunded at once
    #: (its units are still to be paid when they ship).
    undone: Decimal = ZERO

    @property
    def to_charge(self) -> Decimal:
        """What is still to be charged: the total less what was charged (for shipments that
        left) or released."""
        return max(self.total - (self.charged - self.undone) - self.released, ZERO)


def _sum(queryset: Any, expression: Any) -> Coalesce:
    """``SUM(expression)`` over ``queryset`` (filtered on ``OuterRef("pk")``), 0 when empty."""
    money = DecimalField(max_digits=12, decimal_places=2)
    total = (
        queryset.order_by()
        .values("order_id")
        .annotate(total=Sum(expression, output_field=money))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=money), Value(ZERO), output_field=money)


def order_money(order: Any) -> OrderMoney | None:
    """The order's money from the payments ledger, in one query.

    ``None`` when the plugin did not take this order's payment (it has no authorisation: the
    shop's own checkout paid for it). ``charged``, ``refunded`` and ``held`` are the ledger's
    sums (:mod:`.ledger`: captured, refunded, authorised − captured − released − lapsed);
    ``released`` is the value of every recorded cancellation, done or still being carried out
    (what the customer no longer owes, whether or not a hold was left to give back).
    """
    Order = get_model("order", "Order")
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    mine = {"order_id": OuterRef("pk")}
    entries = PaymentLedgerEntry._default_manager.filter(**mine)

    def kind(name: str) -> Coalesce:
        return _sum(entries.filter(kind=name), F("amount"))

    row = (
        Order._default_manager.filter(pk=order.pk)
        .annotate(
            authorised=Exists(PaymentAuthorisation._default_manager.filter(**mine)),
            took=kind(LedgerKind.AUTHORISED),
            captured=kind(LedgerKind.CAPTURED),
            let_go=_sum(
                entries.filter(kind__in=[LedgerKind.RELEASED, LedgerKind.EXPIRED]), F("amount")
            ),
            refunded=kind(LedgerKind.REFUNDED),
            undone=_sum(
                entries.filter(kind=LedgerKind.CAPTURED, capture__status=CaptureStatus.ABANDONED),
                F("amount"),
            ),
            released=_sum(PaymentRelease._default_manager.filter(**mine), F("amount")),
        )
        .values("authorised", "took", "captured", "let_go", "refunded", "undone", "released")
        .first()
    )
    if row is None or not row["authorised"]:
        return None

    def cents(name: str) -> Decimal:
        return Decimal(row[name]).quantize(CENT)

    return OrderMoney(
        currency=order.currency,
        total=order.total_incl_tax,
        charged=cents("captured"),
        refunded=cents("refunded"),
        released=cents("released"),
        held=max(cents("took") - cents("captured") - cents("let_go"), ZERO),
        undone=cents("undone"),
    )


__all__ = ["OrderMoney", "order_money"]
