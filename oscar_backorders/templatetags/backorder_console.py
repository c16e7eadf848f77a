"""Template tags for the merchant's views of backorders (Oscar's dashboard)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from oscar.core.loading import get_model

register = template.Library()


@register.simple_tag
def backorder_states(order: Any, lines: Iterable[Any]) -> list[dict[str, Any]]:
    """Each order line with its backordered part (None: it came from stock), or ``[]`` when
    nothing of the order was backordered.

    One query for the order's backordered lines, whatever the number of lines.
    """
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    by_line = {
        backorder.line_id: backorder
        for backorder in BackorderLine._default_manager.filter(order_id=order.pk)
    }
    if not by_line:
        return []
    return [{"line": line, "backorder": by_line.get(line.pk)} for line in lines]
