"""Pure money arithmetic: what a number of a line's units is worth.

A line's price is split over its units by cumulative rounding: units ``[start, start + count)``
are worth ``round(total * (start + count) / quantity) - round(total * start / quantity)``. However a
line is cut into shipments and cancellations, the parts add up to the line's price to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def _share(total: Decimal, units: int, quantity: int) -> Decimal:
    return (total * units / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def units_value(total: Decimal, quantity: int, *, start: int, count: int) -> Decimal:
    """Value of ``count`` units of a ``quantity``-unit line priced ``total``, after ``start`` units."""
    if quantity <= 0 or start < 0 or count < 0 or start + count > quantity:
        raise ValueError(
            f"Units {start}..{start + count} are not within a line of {quantity} unit(s)."
        )
    return _share(total, start + count, quantity) - _share(total, start, quantity)
