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


@register.inclusion_tag("oscar_backorders/dashboard/backorders_panel.html", takes_context=True)
def backorders_panel(context: Any) -> dict[str, Any]:
    """The backorders panel of Oscar's dashboard index: units waiting, lines at risk, captures held.

    Shown to staff who may view the queue (nothing otherwise, and no query). Two queries,
    whatever the number of lines: one aggregate over the open lines, one count of the captures
    held because they failed.
    """
    from django.db.models import Count, F, Q, Sum

    from oscar_backorders.console.risk import OPEN_STATUSES, at_risk_above
    from oscar_backorders.navigation import can_view_queue

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_view_queue(user, None):
        return {"show": False}
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    waiting = F("quantity") - F("quantity_allocated") - F("quantity_shipped")
    totals = BackorderLine._default_manager.filter(status__in=OPEN_STATUSES).aggregate(
        waiting=Sum(waiting - F("quantity_cancelled")),
        ready=Sum("quantity_allocated"),
        at_risk=Count("pk", filter=Q(miss_risk__gt=at_risk_above())),
    )
    held = PaymentCapture._default_manager.filter(status="failed").count()
    return {
        "show": True,
        "waiting_units": totals["waiting"] or 0,
        "ready_units": totals["ready"] or 0,
        "at_risk_lines": totals["at_risk"],
        "held_captures": held,
        "may_view_captures": user.has_perm("oscar_backorders.view_paymentcapture"),
    }
