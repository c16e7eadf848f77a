"""What the payments state machines share: the order they drive and the checks on its money.

The order: ``ORDERED`` units of a £``PRICE`` line, ``IN_STOCK`` of them on the shelf and the rest
backordered, and one £``SMALL`` unit on the shelf.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import TestCase
from oscar.core.loading import get_model

ZERO = Decimal("0.00")
PRICE, ORDERED, IN_STOCK = Decimal("10.00"), 6, 2  # the backorderable line
SMALL = Decimal("4.50")  # one unit of a second line, on the shelf
START = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


class Rollback(Exception):
    """Raised out of an example's transaction so nothing it wrote stays."""


def run(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an operation as its caller would: its on-commit work happens after it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def owed(order: Any) -> Decimal:
    """The order total less captured shipments and cancelled units' value."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    captured = PaymentCapture.objects.filter(order=order, status="captured")
    released = PaymentRelease.objects.filter(order=order)
    return (
        order.total_incl_tax
        - sum((c.amount for c in captured), ZERO)
        - sum((r.amount for r in released), ZERO)
    )


def assert_charged_is_value_shipped(order: Any, line: Any, small: Any) -> Decimal:
    """Σ captured shipments = the value of what shipped, to the cent (with the in-stock units
    paid at checkout first, when they were). Returns what was charged."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    captured = PaymentCapture.objects.filter(order=order, status="captured")
    charged = sum((c.amount for c in captured), ZERO)
    prepaid = any(c.sequence == 0 for c in captured)
    big = little = big_backordered = 0
    for capture in captured:
        if capture.sequence == 0:
            continue
        big += capture.line_quantities.get(str(line.pk), 0)
        little += capture.line_quantities.get(str(small.pk), 0)
        big_backordered += int(capture.backorder_quantities.get(str(line.pk), 0))
    if prepaid:
        value = IN_STOCK * PRICE + SMALL + big_backordered * PRICE
    else:
        value = big * PRICE + little * SMALL
    assert charged == value
    assert big <= ORDERED and little <= 1
    return charged


def assert_cancelled_units_released(order: Any, backorder: Any) -> None:
    """Every cancelled unit has its release, at its value."""
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    releases = PaymentRelease.objects.filter(order=order)
    assert sum(r.quantity for r in releases) == backorder.quantity_cancelled
    assert sum((r.amount for r in releases), ZERO) == backorder.quantity_cancelled * PRICE
