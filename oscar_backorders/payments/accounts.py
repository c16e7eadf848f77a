"""Where every unit of an order stands, money-wise (read under the order's lock).

A unit of an order line is *reserved* by a shipment's capture (pending, failed or captured; an
abandoned one gives its units back) or *released* by a cancellation. Units reserved or released
are *accounted*; their values (see :mod:`.amounts`) are taken in order, so an order's captures
and releases add up to its total to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oscar.core.loading import get_model

from oscar_backorders.payments.abstract_models import CaptureStatus

#: Shipment number of the capture taken at checkout (``BACKORDERS_PAYMENT_AT_CHECKOUT``).
CHECKOUT_SEQUENCE = 0


@dataclass(slots=True)
class LineAccount:
    reserved: int = 0  # units in non-abandoned captures
    reserved_backordered: int = 0  # of which backordered
    unrecorded_backordered: int = 0  # backordered units of captures not yet captured
    unrecorded: int = 0  # units of captures not yet captured
    released: int = 0  # units released by cancellations

    @property
    def accounted(self) -> int:
        return self.reserved + self.released


@dataclass(slots=True)
class OrderAccounts:
    lines: dict[int, LineAccount] = field(default_factory=lambda: defaultdict(LineAccount))
    extras_taken: bool = False  # shipping charge and surcharges captured or released
    next_sequence: int = 1
    prepaid: bool = False  # the in-stock units were captured at checkout (see .upfront)
    checkout_open: bool = False  # that checkout capture is not settled yet


def order_accounts(order: Any) -> OrderAccounts:
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    accounts = OrderAccounts()
    for capture in PaymentCapture._default_manager.filter(order=order).order_by("sequence"):
        accounts.next_sequence = max(accounts.next_sequence, capture.sequence + 1)
        if capture.status == CaptureStatus.ABANDONED:
            continue
        accounts.extras_taken |= capture.includes_shipping
        if capture.sequence == CHECKOUT_SEQUENCE:
            accounts.prepaid = capture.status == CaptureStatus.CAPTURED
            accounts.checkout_open = not accounts.prepaid
            continue  # it reserves no units: they ship (free) in later shipments
        open_capture = capture.status != CaptureStatus.CAPTURED
        for key, quantity in capture.line_quantities.items():
            account = accounts.lines[int(key)]
            account.reserved += quantity
            backordered = int(capture.backorder_quantities.get(key, 0))
            account.reserved_backordered += backordered
            if open_capture:
                account.unrecorded += quantity
                account.unrecorded_backordered += backordered
    releases = PaymentRelease._default_manager.filter(order=order).values_list(
        "backorder_line__line_id", "quantity", "includes_extras"
    )
    for line_id, quantity, includes_extras in releases:
        accounts.lines[line_id].released += quantity
        accounts.extras_taken |= includes_extras
    return accounts


def in_stock_part(line: Any) -> int:
    """Units of a line that were on the shelf at placement (the rest are backordered)."""
    try:
        backorder = line.backorder
    except Exception:  # RelatedObjectDoesNotExist: nothing of the line is backordered
        return line.quantity
    return line.quantity - backorder.quantity


def backordered_start(line: Any, account: LineAccount, count: int) -> int:
    """Where ``count`` backordered units start among a prepaid line's unit values.

    On an order whose in-stock units were captured at checkout, those units hold the first
    values of the line; backordered units (shipped or cancelled) take the following ones.
    """
    start = in_stock_part(line) + account.reserved_backordered + account.released
    return min(start, line.quantity - count)


def order_extras(order: Any) -> Decimal:
    """Shipping charge and surcharges: the order total beyond its lines' prices."""
    lines_total = sum((line.line_price_incl_tax for line in order.lines.all()), Decimal("0.00"))
    return order.total_incl_tax - lines_total
