"""Supplier reliability: how many days a supplier's deliveries are expected to run late.

The rule (pure, :func:`delay_days`): take the supplier's latest ``window`` fully received
purchase-order lines; each line's lateness is ``max(0, received on - expected on)`` in calendar
days. With fewer than ``min_deliveries`` such lines the supplier is not judged (0). Otherwise the
delay is the mean lateness, rounded up, capped at ``max_delay``. The estimate engine adds it to
every open line's expected date from that supplier, so a supplier that is often late widens the
dates customers are promised, and one that delivers on time does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings


def delay_days(lateness: Sequence[int], *, min_deliveries: int, max_delay: int) -> int:
    """Pure: the reliability delay from a supplier's latest lateness values (days, ≥ 0)."""
    if len(lateness) < max(min_deliveries, 1):
        return 0
    mean = sum(max(days, 0) for days in lateness) / len(lateness)
    return min(math.ceil(mean), max_delay)


def supplier_delays(supplier_ids: Iterable[int]) -> dict[int, int]:
    """Reliability delay per supplier id, from their received purchase-order lines (one query)."""
    ids = set(supplier_ids)
    if not ids:
        return {}
    window = int(backorder_settings.RELIABILITY_WINDOW)
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    rows = (
        PurchaseOrderLine._default_manager.filter(
            purchase_order__supplier_id__in=ids,
            status="received",
            date_last_received__isnull=False,
        )
        .order_by("-date_last_received", "-pk")
        .values_list("purchase_order__supplier_id", "expected_date", "date_last_received")
    )
    history: dict[int, list[int]] = {pk: [] for pk in ids}
    for supplier_id, expected, received in rows.iterator():
        if len(history[supplier_id]) < window:
            history[supplier_id].append(_days_late(expected, received))
    return {
        pk: delay_days(
            values,
            min_deliveries=int(backorder_settings.RELIABILITY_MIN_DELIVERIES),
            max_delay=int(backorder_settings.RELIABILITY_MAX_DELAY_DAYS),
        )
        for pk, values in history.items()
    }


def _days_late(expected: date, received: date) -> int:
    return max((received - expected).days, 0)
