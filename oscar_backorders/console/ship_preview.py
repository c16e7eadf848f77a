"""What "Ship and capture payment" will capture, shown on its confirmation page.

The amounts are :func:`oscar_backorders.payments.shipping.quote_shipment`'s: the very pricing
:func:`~oscar_backorders.payments.shipping.plan_shipment` captures, so the page shows what the
confirmation then takes, per line, per order (with the shipping charge when this shipment takes
it) and in total. Where nothing will be captured the page says why: pay-when-it-ships is off, an
order has no payment authorisation, or its units were paid at checkout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from oscar_backorders.console.runners import load
from oscar_backorders.exceptions import BackorderError


@dataclass(slots=True)
class OrderPreview:
    number: str
    currency: str
    amount: Decimal | None = None  # None: nothing can be quoted (see note)
    extras: Decimal = Decimal("0.00")
    note: str = ""


@dataclass(slots=True)
class ShipPreview:
    #: Backorder line id → amount its units add to the capture.
    line_amounts: dict[int, Decimal] = field(default_factory=dict)
    orders: list[OrderPreview] = field(default_factory=list)
    #: Currency → total to be captured over every order.
    totals: dict[str, Decimal] = field(default_factory=dict)
    note: str = ""  # about the whole action (no gateway)


def preview_shipment(lines: Sequence[Any], quantity_for: Callable[[Any], int]) -> ShipPreview:
    """Quote the shipment of ``quantity_for(line)`` units of each line, one quote per order."""
    preview = ShipPreview()
    quote_shipment = load("oscar_backorders.payments.shipping", "quote_shipment")
    enabled = load("oscar_backorders.payments.gateways", "payments_enabled")
    if quote_shipment is None or enabled is None or not enabled():
        preview.note = _(
            "No payment gateway is set up (pay-when-it-ships is off): nothing will be captured."
        )
        return preview
    from oscar_backorders.payments.authorise import active_authorisation

    by_order: dict[int, list[Any]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    for order_id, order_lines in by_order.items():
        order = order_lines[0].order
        shown = OrderPreview(number=order.number, currency=order.currency)
        preview.orders.append(shown)
        try:
            active_authorisation(order_id)
        except BackorderError:
            shown.note = _(
                "Nothing will be captured: the order has no payment authorisation, and shipping "
                "it here is refused."
            )
            continue
        quantities = {line.line_id: quantity_for(line) for line in order_lines}
        if not all(quantities.values()):
            continue
        try:
            quote = quote_shipment(order_id, quantities)
        except BackorderError as exc:
            shown.note = str(exc)
            continue
        shown.amount, shown.extras = quote.amount, quote.extras
        for line in order_lines:
            preview.line_amounts[line.pk] = quote.line_amounts.get(line.line_id, Decimal("0.00"))
        preview.totals[quote.currency] = preview.totals.get(quote.currency, 0) + quote.amount
        if quote.amount == 0:
            shown.note = (
                _("Nothing will be captured: these units were paid at checkout.")
                if quote.prepaid
                else _("Nothing will be captured: these units are worth nothing more.")
            )
    return preview
