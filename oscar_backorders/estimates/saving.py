"""Saving what a recompute decided: promises revised (told) and the merchant's view (silent).

Bulk writes whatever the number of lines: one UPDATE per distinct value, one event per revision
and one ``estimate_changed`` signal per revision after commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.abstract_models import BackorderEventKind, EstimateSource
from oscar_backorders.bulk import insert_rows

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class EstimateChange:
    backorder_line_id: int
    stockrecord_id: int
    old_date: date
    new_date: date
    source: str


@dataclass(frozen=True, slots=True)
class RiskUpdate:
    """The merchant's view of a line: what moved (``None``: unchanged)."""

    backorder_line_id: int
    likely: date | None
    risk: float | None


@transaction.atomic
def save_changes(changes: Sequence[EstimateChange], *, reason: str) -> None:
    """Write ``changes`` in bulk: dates, one event each, one signal each after commit.

    Locks the lines in pk order and skips any that stopped waiting or that a merchant dated
    meanwhile (the merchant's date wins).
    """
    if not changes:
        return
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
    by_id = {change.backorder_line_id: change for change in changes}
    now = timezone.now()
    saved: list[tuple[Any, EstimateChange]] = []
    ids = sorted(by_id)
    for start in range(0, len(ids), _BATCH):
        rows = list(
            BackorderLine._default_manager.select_for_update()
            .filter(pk__in=ids[start : start + _BATCH], status="waiting")
            .exclude(estimate_source=EstimateSource.MERCHANT)
            .order_by("pk")
            .only("pk", "estimated_date", "estimate_source", "stockrecord_id", "date_updated")
        )
        for row in rows:
            change = by_id[row.pk]
            if row.estimated_date == change.new_date:
                continue
            change = EstimateChange(
                row.pk, change.stockrecord_id, row.estimated_date, change.new_date, change.source
            )
            row.estimated_date = change.new_date
            row.estimate_source = change.source
            row.date_updated = now
            saved.append((row, change))
    # One UPDATE per distinct (date, source): few, whatever the number of lines (Django's
    # bulk_update builds a CASE per row, which is slower by orders of magnitude).
    groups: dict[tuple[date, str], list[int]] = defaultdict(list)
    for row, change in saved:
        groups[(change.new_date, change.source)].append(row.pk)
    for (new_date, source), group in groups.items():
        for start in range(0, len(group), _BATCH):
            BackorderLine._default_manager.filter(pk__in=group[start : start + _BATCH]).update(
                estimated_date=new_date, estimate_source=source, date_updated=now
            )
    insert_rows(
        BackorderEvent,
        ["backorder_line", "kind", "old_date", "new_date", "reason", "date_created"],
        [
            (
                row.pk,
                str(BackorderEventKind.ESTIMATE_CHANGED),
                change.old_date,
                change.new_date,
                reason[:255],
                now,
            )
            for row, change in saved
        ],
    )

    def send() -> None:
        for row, change in saved:
            signals.estimate_changed.send(
                sender=BackorderLine,
                backorder_line=row,
                old_date=change.old_date,
                new_date=change.new_date,
                reason=reason,
            )

    transaction.on_commit(send)


def save_risks(updates: Sequence[RiskUpdate]) -> None:
    """Write the merchant's views in bulk: one UPDATE per distinct likely date that moved and one
    per distinct risk that moved (a few hundred statements at most, whatever the lines)."""
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    by_likely: dict[date, list[int]] = defaultdict(list)
    by_risk: dict[float, list[int]] = defaultdict(list)
    for update in updates:
        if update.likely is not None:
            by_likely[update.likely].append(update.backorder_line_id)
        if update.risk is not None:
            by_risk[update.risk].append(update.backorder_line_id)
    for field, groups in (("likely_date", by_likely), ("miss_risk", by_risk)):
        for value, group in groups.items():
            for start in range(0, len(group), _BATCH):
                BackorderLine._default_manager.filter(
                    pk__in=group[start : start + _BATCH], status="waiting"
                ).update(**{field: value})


__all__ = ["EstimateChange", "RiskUpdate", "save_changes", "save_risks"]
