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
    """Learn the suppliers' lateness again, then re-judge every waiting line's promise.

    A promise is revised only when it was missed, or a purchase order it waits for missed its
    day and its chance of being kept fell below ``BACKORDERS_PROMISE_REVISE_BELOW``
    (``docs/supply.md``); on a night when nothing changed, nothing is revised and nobody is
    told. The report counts the revisions.
    """
    from oscar_backorders.estimates.service import recompute
    from oscar_backorders.supply.reliability import refresh_profiles

    profiles = refresh_profiles()
    changes = recompute(None, reason="nightly recompute", nightly=True)
    shifts = [(c.new_date - c.old_date).days for c in changes]
    report = {
        "profiles_changed": profiles,
        "revised": len(changes),
        "stockrecords": len({c.stockrecord_id for c in changes}),
        "max_shift_days": max((abs(s) for s in shifts), default=0),
    }
    logger.info("Nightly recompute: %s", report)
    return report


@shared_task(name="oscar_backorders.supply.tasks.check_reorder_points")
def check_reorder_points(stockrecord_ids: list[int] | None = None) -> int:
    """Send ``reorder_point_reached`` for every stock record at or below its reorder point."""
    from oscar_backorders.supply.reorder import alert_reorder_points

    return len(alert_reorder_points(stockrecord_ids))
