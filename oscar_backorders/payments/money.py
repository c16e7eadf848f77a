"""What an order's customer has paid, has held and still owes: the one source of every figure
the customer is shown about money.

The order page, the thank-you page, the confirmation email and the backorder emails all read
:func:`order_money` (a shipment's own charge comes from its capture); none of them adds up
payment records itself, so the records behind it can change without any text telling the
customer something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from oscar_backorders.payments.abstract_models import AuthorisationStatus, CaptureStatus
from oscar_backorders.payments.authorise import REFUNDED_EVENT

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

#: Authorisations whose remainder is still held on the customer's payment method.
HOLDING = (AuthorisationStatus.ACTIVE, AuthorisationStatus.NEEDS_CUSTOMER)


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """An order's money as the customer should read it, in the order's currency."""

    currency: str
    total: Decimal  # the order total
    charged: Decimal  # captured so far
    refunded: Decimal  # paid back of what was captured
    released: Decimal  # value of cancelled units (and their share of shipping) never to be paid
    held: Decimal  # held (authorised, not captured) on the customer's payment method right now

    @property
    def to_charge(self) -> Decimal:
        """What is still to be charged: the total less what was charged or released."""
        return max(self.total - self.charged - self.released, ZERO)


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
    """The order's money from today's payment records, in one query.

    ``None`` when the plugin did not take this order's payment (it has no authorisation: the
    shop's own checkout paid for it). ``charged`` counts captured shipments (and the checkout
    capture); ``released`` every recorded release, done or still to be carried out;
    ``held`` the remainder of the authorisations still holding money; ``refunded`` what Oscar's
    payment sources record as refunded, or the ``Refunded`` payment events where they say more
    (the plugin writes both for each refund; a shop's own refund may write only one).
    """
    Order = get_model("order", "Order")
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    Source = get_model("payment", "Source")
    PaymentEvent = get_model("order", "PaymentEvent")
    mine = {"order_id": OuterRef("pk")}
    authorisations = PaymentAuthorisation._default_manager.filter(**mine)
    row = (
        Order._default_manager.filter(pk=order.pk)
        .annotate(
            authorised=Exists(authorisations),
            held=_sum(
                authorisations.filter(status__in=HOLDING),
                F("amount") - F("amount_captured") - F("amount_released"),
            ),
            charged=_sum(
                PaymentCapture._default_manager.filter(**mine, status=CaptureStatus.CAPTURED),
                F("amount"),
            ),
            released=_sum(PaymentRelease._default_manager.filter(**mine), F("amount")),
            source_refunds=_sum(Source._default_manager.filter(**mine), F("amount_refunded")),
            event_refunds=_sum(
                PaymentEvent._default_manager.filter(Q(event_type__name=REFUNDED_EVENT), **mine),
                F("amount"),
            ),
        )
        .values("authorised", "held", "charged", "released", "source_refunds", "event_refunds")
        .first()
    )
    if row is None or not row["authorised"]:
        return None

    def cents(name: str) -> Decimal:
        return Decimal(row[name]).quantize(CENT)

    return OrderMoney(
        currency=order.currency,
        total=order.total_incl_tax,
        charged=cents("charged"),
        refunded=max(cents("source_refunds"), cents("event_refunds")),
        released=cents("released"),
        held=max(cents("held"), ZERO),
    )


__all__ = ["OrderMoney", "order_money"]
