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


def split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` cut into parts proportional to ``weights`` that add up to it to the cent.

    Cumulative rounding again: part ``i`` is ``round(amount × W(i+1) / W) - round(amount × W(i)
    / W)``, ``W(i)`` the sum of the first ``i`` weights. Weights that are all zero share the
    amount equally. Used to show how one capture's amount splits over the lines it paid for.
    """
    if any(w < 0 for w in weights):
        raise ValueError(f"Weights must not be negative: {weights}.")
    if not weights:
        return []
    total = sum(weights, Decimal(0))
    if total == 0:
        weights, total = [Decimal(1)] * len(weights), Decimal(len(weights))
    parts, before, running = [], Decimal("0.00"), Decimal(0)
    for weight in weights:
        running += weight
        upto = (amount * running / total).quantize(CENT, rounding=ROUND_HALF_UP)
        parts.append(upto - before)
        before = upto
    return parts
