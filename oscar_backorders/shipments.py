"""Oscar's own shipping events, recorded against backordered units (no payment involved).

Where the shop pays its own way (pay-when-it-ships off, or an order the plugin did not
authorise), a merchant records shipments in Oscar's dashboard as always. Each order line ships
its in-stock units first; the units of a "Shipped" event beyond them are backordered units,
which must have stock allocated (:func:`oscar_backorders.services.allocate_units`) and are then
recorded as shipped on the line's :class:`BackorderLine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.services import BackorderStateError


def backordered_in_shipment(*, in_stock: int, shipped_before: int, quantity: int) -> int:
    """How many of ``quantity`` units now shipping are backordered ones, when ``shipped_before``
    units of a line whose first ``in_stock`` units were on the shelf have shipped already."""
    return max(shipped_before + quantity - in_stock, 0) - max(shipped_before - in_stock, 0)


def plan_backordered_shipment(
    event_type: Any, lines: Sequence[Any], quantities: Sequence[int]
) -> dict[int, int]:
    """Backorder line id → units that an Oscar shipping event of ``lines`` ships from backorder.

    Two queries, whatever the number of lines. Raises :class:`BackorderStateError` when more
    backordered units would ship than have stock allocated (nothing is written).
    """
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    line_ids = [line.pk for line in lines]
    backorders = {
        bo.line_id: bo
        for bo in BackorderLine._default_manager.filter(line_id__in=line_ids).select_related("line")
    }
    if not backorders:
        return {}
    shipped = dict(
        ShippingEventQuantity._default_manager.filter(
            line_id__in=list(backorders), event__event_type=event_type
        )
        .values_list("line_id")
        .annotate(total=Sum("quantity"))
    )
    plan: dict[int, int] = {}
    for line, quantity in zip(lines, quantities, strict=True):
        backorder = backorders.get(line.pk)
        if backorder is None:
            continue
        units = backordered_in_shipment(
            in_stock=backorder.line.quantity - backorder.quantity,
            shipped_before=shipped.get(line.pk, 0),
            quantity=int(quantity),
        )
        if units > backorder.quantity_allocated:
            raise BackorderStateError(
                _(
                    "Only %(ready)d backordered unit(s) of %(title)s have stock allocated; "
                    "%(waiting)d are still waiting for stock and cannot ship yet."
                )
                % {
                    "ready": backorder.quantity_allocated,
                    "title": backorder.line.title,
                    "waiting": backorder.quantity_waiting,
                },
                backorder_line_id=backorder.pk,
            )
        if units:
            plan[backorder.pk] = plan.get(backorder.pk, 0) + units
    return plan
