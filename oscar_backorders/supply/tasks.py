"""Celery tasks of the supply module. They take ids, re-read state and are idempotent.

Beat schedules are registered by the shop (or the notifications module); the names are
``oscar_backorders.supply.tasks.recompute_estimates_task``, ``…nightly_full_recompute`` and
``…check_reorder_points``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="oscar_backorders.supply.tasks.recompute_estimates_task")
def recompute_estimates_task(stockrecord_ids: list[int] | None = None, reason: str = "") -> int:
    """Re-date the waiting lines of ``stockrecord_ids`` (all when ``None``); returns changes."""
    from oscar_backorders.estimates.service import recompute

    return len(recompute(stockrecord_ids, reason=reason or "recompute"))


@shared_task(name="oscar_backorders.supply.tasks.allocate_free_stock_task")
def allocate_free_stock_task(stockrecord_ids: list[int], reason: str = "") -> int:
    """Allocate free units of ``stockrecord_ids``; returns the units allocated."""
    from oscar_backorders.allocation import allocate_free_stock

    return allocate_free_stock(stockrecord_ids, reason=reason or "allocation task").units


@shared_task(name="oscar_backorders.supply.tasks.nightly_full_recompute")
def nightly_full_recompute() -> dict[str, Any]:
    """Re-date every waiting line and report the drift (lines whose saved date was stale).

    Drift is expected to be zero when every change went through the receivers; anything else
    means stock or supply changed behind the plugin's back (e.g. ``QuerySet.update``), or the
    calendar moved (an overdue purchase order is now expected a day later).
    """
    from oscar_backorders.estimates.service import recompute

    changes = recompute(None, reason="nightly recompute")
    shifts = [(c.new_date - c.old_date).days for c in changes]
    report = {
        "changed": len(changes),
        "stockrecords": len({c.stockrecord_id for c in changes}),
        "later": sum(1 for s in shifts if s > 0),
        "earlier": sum(1 for s in shifts if s < 0),
        "max_shift_days": max((abs(s) for s in shifts), default=0),
    }
    if changes:
        logger.warning("Nightly recompute found estimate drift: %s", report)
    else:
        logger.info("Nightly recompute: no drift")
    return report


@shared_task(name="oscar_backorders.supply.tasks.check_reorder_points")
def check_reorder_points(stockrecord_ids: list[int] | None = None) -> int:
    """Send ``reorder_point_reached`` for every stock record at or below its reorder point."""
    from oscar_backorders.supply.reorder import alert_reorder_points

    return len(alert_reorder_points(stockrecord_ids))
