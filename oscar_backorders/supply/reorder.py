"""Reorder points, safety stock and suggested order quantities per stock record.

Demand is what customers *ordered* (Oscar's order lines, backordered units included, not only
what shipped), bucketed per calendar day over the last ``BACKORDERS_DEMAND_WINDOW_DAYS``. Days
without orders count as zero, so intermittent demand gives a low mean and a high variability,
and therefore a safety stock that covers the occasional burst rather than none.

Lead time (calendar days) comes from the stock record's delivery history: the mean and spread of
*order placed → fully received* over its received purchase-order lines; without history, from
the preferred supplier's stated lead time, else the backorder policy's (business days × 7/5).

    reorder point = mean demand × lead time + safety stock
    safety stock  = z × sqrt(lead time × σ_demand² + mean demand² × σ_lead²)

with ``z`` the normal quantile of ``BACKORDERS_SERVICE_LEVEL``. The stock position is what is on
the shelf and not claimed plus what is on order (``num_in_stock - num_allocated + inbound``; it
is negative while units wait on backorder). The suggested order brings the position up to the
reorder point plus ``BACKORDERS_ORDER_COVER_DAYS`` of mean demand.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.policy import PolicyCache


@dataclass(frozen=True, slots=True)
class ReorderAdvice:
    stockrecord_id: int
    daily_demand: float
    demand_stdev: float
    lead_time_days: float
    lead_time_stdev: float
    safety_stock: int
    reorder_point: int
    position: int  # free + inbound - waiting
    inbound: int
    suggested_quantity: int

    @property
    def reached(self) -> bool:
        return self.position <= self.reorder_point


def advise(
    *,
    stockrecord_id: int,
    daily_quantities: Sequence[int],
    lead_times: Sequence[float],
    fallback_lead_time: float,
    position: int,
    inbound: int,
    service_level: float,
    cover_days: int,
) -> ReorderAdvice:
    """Pure: the reorder advice from daily demand (zeros included) and observed lead times."""
    if not 0.5 <= service_level < 1:
        raise ValueError(f"service level must be in [0.5, 1), got {service_level}")
    mean = statistics.fmean(daily_quantities) if daily_quantities else 0.0
    sigma = statistics.pstdev(daily_quantities) if len(daily_quantities) > 1 else 0.0
    lead = statistics.fmean(lead_times) if lead_times else float(fallback_lead_time)
    lead_sigma = statistics.pstdev(lead_times) if len(lead_times) > 1 else 0.0
    z = statistics.NormalDist().inv_cdf(service_level)
    safety = z * math.sqrt(lead * sigma**2 + mean**2 * lead_sigma**2)
    safety_stock = math.ceil(safety) if mean > 0 else 0
    reorder_point = math.ceil(mean * lead) + safety_stock if mean > 0 else 0
    target = reorder_point + math.ceil(mean * cover_days)
    suggested = max(target - position, 0) if position <= reorder_point and mean > 0 else 0
    return ReorderAdvice(
        stockrecord_id=stockrecord_id,
        daily_demand=round(mean, 3),
        demand_stdev=round(sigma, 3),
        lead_time_days=round(lead, 1),
        lead_time_stdev=round(lead_sigma, 1),
        safety_stock=safety_stock,
        reorder_point=reorder_point,
        position=position,
        inbound=inbound,
        suggested_quantity=suggested,
    )


def reorder_advice(
    stockrecord_ids: Iterable[int] | None = None, *, today: date | None = None
) -> list[ReorderAdvice]:
    """Advice for the given stock records (default: every one that sold or is on order)."""
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES

    today = today or timezone.localdate()
    window = int(backorder_settings.DEMAND_WINDOW_DAYS)
    since = today - timedelta(days=window)
    Line = get_model("order", "Line")
    StockRecord = get_model("partner", "StockRecord")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")

    sold = Line._default_manager.filter(
        order__date_placed__date__gte=since, stockrecord_id__isnull=False
    )
    if stockrecord_ids is not None:
        sold = sold.filter(stockrecord_id__in=list(stockrecord_ids))
    per_day: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for sr_id, placed, quantity in sold.values_list(
        "stockrecord_id", "order__date_placed", "quantity"
    ).iterator():
        per_day[sr_id][timezone.localdate(placed)] += quantity

    open_lines = PurchaseOrderLine._default_manager.filter(status__in=INBOUND_STATUSES).exclude(
        purchase_order__status="cancelled"
    )
    received = PurchaseOrderLine._default_manager.filter(
        status="received", date_last_received__isnull=False
    )
    if stockrecord_ids is not None:
        open_lines = open_lines.filter(stockrecord_id__in=list(stockrecord_ids))
        received = received.filter(stockrecord_id__in=list(stockrecord_ids))
    inbound: dict[int, int] = defaultdict(int)
    for sr_id, quantity, got in open_lines.values_list(
        "stockrecord_id", "quantity", "quantity_received"
    ):
        inbound[sr_id] += quantity - got
    lead_times: dict[int, list[float]] = defaultdict(list)
    for sr_id, ordered_at, got_on in received.values_list(
        "stockrecord_id", "purchase_order__date_created", "date_last_received"
    ):
        lead_times[sr_id].append(max((got_on - timezone.localdate(ordered_at)).days, 0))

    ids = set(per_day) | set(inbound) if stockrecord_ids is None else set(stockrecord_ids)
    records = list(StockRecord._default_manager.filter(pk__in=ids).order_by("pk"))
    policies = PolicyCache()
    policies.warm(records)
    supplier_lead: dict[int, int] = {}
    for sr_id, days in (
        SupplierStockRecord._default_manager.filter(stockrecord_id__in=ids)
        .order_by("-is_preferred", "pk")
        .values_list("stockrecord_id", "lead_time_days")
    ):
        if days and sr_id not in supplier_lead:
            supplier_lead[sr_id] = days

    advice = []
    for record in records:
        days_map = per_day.get(record.pk, {})
        daily = [days_map.get(since + timedelta(days=i), 0) for i in range(1, window + 1)]
        business_days = supplier_lead.get(record.pk) or policies.get(record).lead_time_days
        advice.append(
            advise(
                stockrecord_id=record.pk,
                daily_quantities=daily,
                lead_times=lead_times.get(record.pk, []),
                fallback_lead_time=business_days * 7 / 5,
                position=(record.num_in_stock or 0)
                - (record.num_allocated or 0)
                + inbound.get(record.pk, 0),
                inbound=inbound.get(record.pk, 0),
                service_level=float(backorder_settings.SERVICE_LEVEL),
                cover_days=int(backorder_settings.ORDER_COVER_DAYS),
            )
        )
    return advice


def alert_reorder_points(stockrecord_ids: Iterable[int] | None = None) -> list[ReorderAdvice]:
    """Send ``reorder_point_reached`` for each stock record at or below its reorder point."""
    StockRecord = get_model("partner", "StockRecord")
    reached = [a for a in reorder_advice(stockrecord_ids) if a.reached and a.reorder_point > 0]
    records = StockRecord._default_manager.in_bulk([a.stockrecord_id for a in reached])
    for item in reached:
        signals.reorder_point_reached.send(
            sender=StockRecord,
            stockrecord=records[item.stockrecord_id],
            available=item.position,
            reorder_point=item.reorder_point,
        )
    return reached


def total_inbound(stockrecord_ids: Iterable[int]) -> dict[int, int]:
    """Units still expected on open purchase orders, per stock record (one query)."""
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES

    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    rows: Any = (
        PurchaseOrderLine._default_manager.filter(
            stockrecord_id__in=list(stockrecord_ids),
            status__in=INBOUND_STATUSES,
        )
        .exclude(purchase_order__status="cancelled")
        .values("stockrecord_id")
        .annotate(ordered=Sum("quantity"), received=Sum("quantity_received"))
        .order_by()
    )
    return {row["stockrecord_id"]: row["ordered"] - row["received"] for row in rows}
