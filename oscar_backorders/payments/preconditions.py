"""What must still hold for a shipment's capture to go ahead, read under the capture's locks.

:func:`lock_for_capture` takes the locks in the core order (:mod:`oscar_backorders.locks`), and
:func:`blocker` says why the shipment cannot leave now, so :mod:`.capture` re-checks both before
it asks the provider for money and again before it records the shipment.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from oscar_backorders.locks import lock_backorder_lines, lock_capture, lock_order, lock_stockrecords
from oscar_backorders.payments.authorise import SHIPPED_EVENT_CODE


def capture_quantities(capture: Any) -> dict[int, int]:
    return {int(k): int(v) for k, v in capture.line_quantities.items()}


def capture_lines(capture: Any) -> tuple[list[Any], list[int]]:
    """The capture's order lines (fresh from the database, pk order) and their counts."""
    Line = get_model("order", "Line")
    quantities = capture_quantities(capture)
    lines = list(
        Line._default_manager.filter(order_id=capture.order_id, pk__in=quantities)
        .select_related("stockrecord")
        .order_by("pk")
    )
    return lines, [quantities[line.pk] for line in lines]


def blocker(capture: Any, backorder_lines: dict[int, Any]) -> str:
    """Why a shipment cannot leave now (``""`` when it can); read under the capture's locks."""
    ShippingEventType = get_model("order", "ShippingEventType")
    lines, counts = capture_lines(capture)
    by_line = {row.line_id: row for row in backorder_lines.values()}
    for key, count in sorted(capture.backorder_quantities.items()):
        backorder = by_line.get(int(key))
        if backorder is None or backorder.quantity_allocated < int(count):
            return _(
                "%(count)d backordered unit(s) of %(title)s no longer have stock allocated."
            ) % {"count": int(count), "title": backorder.line.title if backorder else key}
    handler = get_class("order.processing", "EventHandler")()
    covered = handler.are_stock_allocations_available(lines, counts) and all(
        line.stockrecord.is_allocation_consumption_possible(count)
        for line, count in zip(lines, counts, strict=True)
        if line.stockrecord_id and line.can_track_allocations
    )
    if not covered:
        return _("The stock allocated to this shipment's lines no longer covers it.")
    event_type = ShippingEventType._default_manager.filter(code=SHIPPED_EVENT_CODE).first()
    if event_type is not None:
        for line, count in zip(lines, counts, strict=True):
            if not line.is_shipping_event_permitted(event_type, count):
                return _("%(count)d unit(s) of %(title)s have already shipped.") % {
                    "count": count,
                    "title": line.title,
                }
    return ""


def lock_for_capture(capture_id: int) -> tuple[Any, dict[int, Any]]:
    """Lock a capture, its stock records, backordered lines and order (the core lock order)."""
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    Line = get_model("order", "Line")
    capture = lock_capture(capture_id)
    stockrecord_ids = Line._default_manager.filter(
        pk__in=[int(k) for k in capture.line_quantities], stockrecord__isnull=False
    ).values_list("stockrecord_id", flat=True)
    lock_stockrecords(list(stockrecord_ids))
    line_ids = [int(k) for k in capture.backorder_quantities]
    ids = BackorderLine._default_manager.filter(line_id__in=line_ids).values_list("pk", flat=True)
    backorder_lines = lock_backorder_lines(list(ids))
    lock_order(capture.order_id)
    return capture, backorder_lines
