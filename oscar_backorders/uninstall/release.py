"""Releasing the allocations of waiting backordered units on Oscar's counters, once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.locks import lock_stockrecords
from oscar_backorders.priorities import in_priority_order, load_waiting_lines
from oscar_backorders.uninstall.plan import (
    LineState,
    Plan,
    ReleaseRefused,
    plan_release,
)

# --- the release -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockRelease:
    """One stock record's part of a release: what was (or would be) taken off its counters."""

    stockrecord_id: int
    sku: str
    partner: str
    title: str
    num_in_stock: int
    num_allocated: int  # before
    plan: Plan = field(default_factory=Plan)

    @property
    def units(self) -> int:
        return self.plan.units

    @property
    def line_units(self) -> int:
        return sum(line.line_quantity for line in self.plan.lines)

    @property
    def num_allocated_after(self) -> int:
        return self.num_allocated - self.units

    @property
    def net_stock_before(self) -> int:
        return self.num_in_stock - self.num_allocated

    @property
    def net_stock_after(self) -> int:
        return self.num_in_stock - self.num_allocated_after

    @property
    def has_news(self) -> bool:
        return bool(self.units or self.line_units or self.plan.kept or self.plan.unexplained)


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    applied: bool
    stock: tuple[StockRelease, ...] = ()

    @property
    def units(self) -> int:
        return sum(record.units for record in self.stock)

    @property
    def line_units(self) -> int:
        return sum(record.line_units for record in self.stock)

    @property
    def lines(self) -> int:
        return sum(1 for record in self.stock for line in record.plan.lines if line.quantity)


def _models() -> tuple[Any, Any, Any, Any]:
    return (
        get_model("partner", "StockRecord"),
        get_model("order", "Line"),
        get_model("oscar_backorders", "BackorderLine"),
        get_model("oscar_backorders", "ReleasedAllocation"),
    )


def _stockrecord_filter(
    partner_codes: Iterable[str] | None, stockrecord_ids: Iterable[int] | None
) -> Q:
    """The stock records asked for; refuses anything unknown (nothing is read beyond it)."""
    StockRecord = get_model("partner", "StockRecord")
    Partner = get_model("partner", "Partner")
    where = Q()
    if partner_codes is not None:
        codes = list(partner_codes)
        for code in codes:
            if not isinstance(code, str) or not code.strip():
                raise ReleaseRefused(_("A partner code must be a non-empty text."), value=code)
        known = set(Partner._default_manager.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ReleaseRefused(
                _("There is no partner with the code %(code)r; nothing was changed.")
                % {"code": unknown[0]},
                value=unknown[0],
            )
        where &= Q(partner__code__in=codes)
    if stockrecord_ids is not None:
        ids = list(stockrecord_ids)
        for pk in ids:
            if not isinstance(pk, int) or isinstance(pk, bool) or pk <= 0:
                raise ReleaseRefused(
                    _("A stock record id must be a positive whole number (got %(id)r).")
                    % {"id": pk},
                    value=pk,
                )
        known_ids = set(
            StockRecord._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
        missing = [pk for pk in ids if pk not in known_ids]
        if missing:
            raise ReleaseRefused(
                _("There is no stock record %(id)d; nothing was changed.") % {"id": missing[0]},
                value=missing[0],
            )
        where &= Q(pk__in=ids)
    return where


def _refuse_while_beat_runs() -> None:
    """A running beat keeps allocating, dating and notifying: it must be stopped first."""
    BeatLease = get_model("oscar_backorders", "BeatLease")
    lease = BeatLease._default_manager.filter(expires_at__gt=timezone.now()).first()
    if lease is not None:
        raise ReleaseRefused(
            _(
                "Celery beat is running (%(holder)s holds the %(name)r lease until %(until)s). "
                "Stop beat and the Celery workers first; nothing was changed."
            )
            % {
                "holder": lease.holder,
                "name": lease.name,
                "until": timezone.localtime(lease.expires_at).strftime("%Y-%m-%d %H:%M:%S"),
            },
            value=lease.name,
        )


def _candidate_lines(stockrecord_ids: Iterable[int] | None, where: Q) -> Any:
    """Backordered lines the release may concern, with what earlier runs did to them."""
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    rows = (
        BackorderLine._default_manager.order_by()
        .filter(stockrecord__isnull=False)
        .annotate(
            released=Coalesce(Sum("released_allocations__quantity"), 0),
            line_released=Coalesce(Sum("released_allocations__line_quantity"), 0),
        )
        .filter(Q(status=BackorderStatus.WAITING) | Q(quantity_cancelled__gt=0) | Q(released__gt=0))
    )
    if stockrecord_ids is not None:
        rows = rows.filter(stockrecord_id__in=list(stockrecord_ids))
    if where:
        rows = rows.filter(
            stockrecord__in=get_model("partner", "StockRecord")._default_manager.filter(where)
        )
    return rows


@transaction.atomic
def release_backorder_allocations(
    *,
    apply: bool = False,
    partner_codes: Iterable[str] | None = None,
    stockrecord_ids: Iterable[int] | None = None,
) -> ReleaseResult:
    """Take backordered units with no stock behind them off Oscar's ``num_allocated`` counters.

    Without ``apply`` it reads, locks nothing and changes nothing: the result is the plan. With
    ``apply``, in one transaction: locks the order lines concerned, then the stock records, then
    their backordered lines, each in pk order (Oscar's shipping locks an order line before its
    stock record; restock allocation a stock record before its lines), re-reads everything under
    the locks, then per stock record one conditional ``UPDATE`` of ``num_allocated``, one per
    group of order lines, a :class:`ReleasedAllocation` row per line changed and an order note
    per line whose units were released. ``partner_codes`` and ``stockrecord_ids`` limit the run.

    Run it with the shop quiet (docs/uninstall.md): orders placed meanwhile are safe (placement
    takes the stock record's lock), but a cancellation after the release would give a released
    unit back again, and a shipment at the same moment takes its locks in the reverse order
    (backordered line first), so PostgreSQL may abort one of the two as a deadlock.

    Raises :class:`ReleaseRefused` (nothing changed) for an unknown partner code or stock record,
    while a Celery beat holds the plugin's beat lease (``apply`` only), or when a counter moved
    under the run (only possible where the database has no row locks; run it again).
    """
    StockRecord, Line, BackorderLine, ReleasedAllocation = _models()
    partner_codes = list(partner_codes) if partner_codes is not None else None
    stockrecord_ids = list(stockrecord_ids) if stockrecord_ids is not None else None
    where = _stockrecord_filter(partner_codes, stockrecord_ids)
    if apply:
        _refuse_while_beat_runs()
    first_read = list(_candidate_lines(None, where).values_list("stockrecord_id", "line_id"))
    record_ids = sorted({sr for sr, _line in first_read})
    if not record_ids:
        return ReleaseResult(applied=apply)
    if apply:
        locked_lines = _lock_order_lines({line for _sr, line in first_read})
        records = lock_stockrecords(record_ids)
        list(
            BackorderLine._default_manager.select_for_update()
            .filter(stockrecord_id__in=record_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        records = {sr.pk: sr for sr in StockRecord._default_manager.filter(pk__in=record_ids)}
    rows = list(
        _candidate_lines(record_ids, Q()).values(
            "pk",
            "stockrecord_id",
            "line_id",
            "quantity",
            "quantity_allocated",
            "quantity_shipped",
            "quantity_cancelled",
            "released",
            "line_released",
            "promised_date",
            "estimated_date",
            "line__title",
            "line__num_allocated",
            "order_id",
        )
    )
    if apply:
        # Orders placed between the first read and the stock records' locks: lock their lines
        # too (out of pk order, but no other writer can hold them yet: nothing ships so soon).
        _lock_order_lines({row["line_id"] for row in rows} - locked_lines)
    # Each stock record's lines in the order restock allocation serves them (the plan releases
    # from the end); lines with nothing waiting come last and only settle their order line.
    waiting = in_priority_order(load_waiting_lines(record_ids))
    rank = {line.line_id: i for i, line in enumerate(waiting)}
    by_record: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (rank.get(r["pk"], len(rank)), r["pk"])):
        by_record[row["stockrecord_id"]].append(row)
    labels = {
        sr.pk: (sr.partner_sku, sr.partner.name, sr.product.get_title())
        for sr in StockRecord._default_manager.select_related("partner", "product__parent").filter(
            pk__in=record_ids
        )
    }
    results = []
    for pk in record_ids:
        record = records[pk]
        states = [
            LineState(
                backorder_line_id=row["pk"],
                order_line_id=row["line_id"],
                waiting=row["quantity"]
                - row["quantity_allocated"]
                - row["quantity_shipped"]
                - row["quantity_cancelled"],
                cancelled=row["quantity_cancelled"],
                released=row["released"],
                line_released=row["line_released"],
                line_allocated=row["line__num_allocated"] or 0,
            )
            for row in by_record[pk]
        ]
        sku, partner, title = labels[pk]
        results.append(
            StockRelease(
                stockrecord_id=pk,
                sku=sku,
                partner=partner,
                title=title,
                num_in_stock=record.num_in_stock or 0,
                num_allocated=record.num_allocated or 0,
                plan=plan_release(
                    num_in_stock=record.num_in_stock,
                    num_allocated=record.num_allocated,
                    lines=states,
                ),
            )
        )
    result = ReleaseResult(applied=apply, stock=tuple(results))
    if apply:
        details = {row["pk"]: row for row in rows}
        _write(result, details)
    return result


def _lock_order_lines(ids: Iterable[int]) -> set[int]:
    Line = get_model("order", "Line")
    ids = sorted(set(ids))
    if ids:
        list(
            Line._default_manager.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return set(ids)


def _write(result: ReleaseResult, details: dict[int, dict[str, Any]]) -> None:
    StockRecord, Line, _BackorderLine, ReleasedAllocation = _models()
    OrderNote = get_model("order", "OrderNote")
    changed = _("A stock counter changed while the release ran; nothing was changed. Run it again.")
    # Plain UPDATEs, without the StockRecord save signals Oscar's allocate() sends: a save would
    # run the plugin's restock allocation after commit, which still counts the released units as
    # waiting, and the release makes no stock sellable, so Oscar's alerts have nothing to say.
    for record in result.stock:
        if not record.units:
            continue
        updated = StockRecord._default_manager.filter(
            pk=record.stockrecord_id, num_allocated=record.num_allocated
        ).update(num_allocated=F("num_allocated") - record.units)
        if updated != 1:
            raise ReleaseRefused(changed, value=record.stockrecord_id)
    # Order lines: one conditional UPDATE per distinct number of units (a handful, whatever the
    # number of lines), in batches.
    groups: dict[int, list[int]] = defaultdict(list)
    for record in result.stock:
        for line in record.plan.lines:
            if line.line_quantity:
                groups[line.line_quantity].append(line.order_line_id)
    for quantity, ids in groups.items():
        for start in range(0, len(ids), 2000):
            batch = ids[start : start + 2000]
            updated = Line._default_manager.filter(
                pk__in=batch, num_allocated__gte=quantity
            ).update(num_allocated=F("num_allocated") - quantity)
            if updated != len(batch):
                raise ReleaseRefused(changed, value=batch)
    ReleasedAllocation._default_manager.bulk_create(
        ReleasedAllocation(
            backorder_line_id=line.backorder_line_id,
            stockrecord_id=record.stockrecord_id,
            quantity=line.quantity,
            line_quantity=line.line_quantity,
        )
        for record in result.stock
        for line in record.plan.lines
    )
    notes = []
    for record in result.stock:
        for line in record.plan.lines:
            if not line.quantity:
                continue
            row = details[line.backorder_line_id]
            notes.append(
                OrderNote(
                    order_id=row["order_id"],
                    note_type=OrderNote.SYSTEM,
                    message=_(
                        "%(quantity)d backordered unit(s) of %(title)s were still waiting for "
                        "stock (promised for %(promised)s, last estimated for %(estimated)s). "
                        "Their stock allocation was released when the backorders plugin was "
                        "uninstalled: allocate stock to them before they ship."
                    )
                    % {
                        "quantity": line.quantity,
                        "title": row["line__title"],
                        "promised": row["promised_date"].isoformat(),
                        "estimated": row["estimated_date"].isoformat(),
                    },
                )
            )
    OrderNote._default_manager.bulk_create(notes)
