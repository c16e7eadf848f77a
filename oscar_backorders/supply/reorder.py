"""Reorder points, safety stock and suggested order quantities per stock record.

Demand is what customers *ordered* (Oscar's order lines, backordered units included, not only
what shipped), per calendar day. With ``BACKORDERS_FORECAST_HISTORY_DAYS`` (default 730) the
forecast of ``supply/forecast.py`` reads that much history (weekly and yearly seasons,
intermittent demand, the merchant's promotions) and the demand over the lead time is the sum
of its daily forecasts, so a promotion starting within a lead time raises the reorder point
before it starts. With 0, the mean of the last ``BACKORDERS_DEMAND_WINDOW_DAYS`` stands for
every day, as before.

Lead time (calendar days) comes from the stock record's delivery history: the mean and spread of
*order placed → fully received* over its received purchase-order lines; without history, from
the preferred supplier's stated lead time, else the backorder policy's (business days × 7/5).

    reorder point = demand over the lead time + safety stock
    safety stock  = z × sqrt(lead time × σ² + daily demand² × σ_lead²)

with ``z`` the normal quantile of ``BACKORDERS_SERVICE_LEVEL`` and σ the spread of the daily
forecast errors (of daily demand around its mean without a forecast). The stock position is
what is on the shelf and not claimed plus what is on order (``num_in_stock - num_allocated +
inbound``; negative while units wait on backorder). The suggested order brings the position up
to the reorder point plus the economic order quantity when the preferred supplier's record has
a cost per order and a holding cost, else plus ``BACKORDERS_ORDER_COVER_DAYS`` of demand.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.policy import PolicyCache
from oscar_backorders.supply.demand import as_series, daily_demand, promotions_by_product
from oscar_backorders.supply.forecast import BacktestError, Forecast, backtest, forecast

#: Days the daily forecast reaches: a year, for the yearly demand the order quantity needs.
FORECAST_HORIZON = 365


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
    lead_time_demand: float = 0.0  # units expected over the lead time
    forecast_method: str = "window mean"  # "tsb", "ses", "none" or "window mean"
    order_rule: str = "cover days"  # or "economic order quantity"
    economic_order_quantity: int | None = None
    backtest: BacktestError | None = None

    @property
    def reached(self) -> bool:
        return self.position <= self.reorder_point


def economic_order_quantity(
    *, annual_demand: float, order_cost: Decimal | float, holding_cost: Decimal | float
) -> int:
    """Pure: Harris's economic order quantity, ``sqrt(2 × D × S / H)`` rounded up.

    ``annual_demand`` in units a year, ``order_cost`` per purchase order, ``holding_cost`` per
    unit per year (same currency). Raises ``ValueError`` for costs that are not positive or a
    negative demand.
    """
    if order_cost is None or not float(order_cost) > 0:
        raise ValueError(f"the cost per order must be more than 0, got {order_cost}")
    if holding_cost is None or not float(holding_cost) > 0:
        raise ValueError(f"the holding cost must be more than 0, got {holding_cost}")
    if annual_demand < 0:
        raise ValueError(f"the annual demand must not be negative, got {annual_demand}")
    return math.ceil(math.sqrt(2 * annual_demand * float(order_cost) / float(holding_cost)))


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
    demand_forecast: Forecast | None = None,
    order_cost: Decimal | float | None = None,
    holding_cost: Decimal | float | None = None,
    backtest_error: BacktestError | None = None,
) -> ReorderAdvice:
    """Pure: the reorder advice from daily demand (zeros included) and observed lead times.

    ``demand_forecast`` (its daily forecasts must reach the lead time plus the cover days, and
    a year for the order quantity) replaces the window mean of ``daily_quantities``; with both
    ``order_cost`` and ``holding_cost`` the order quantity is the economic one.
    """
    if not 0.5 <= service_level < 1:
        raise ValueError(f"service level must be in [0.5, 1), got {service_level}")
    mean = statistics.fmean(daily_quantities) if daily_quantities else 0.0
    sigma = statistics.pstdev(daily_quantities) if len(daily_quantities) > 1 else 0.0
    lead = statistics.fmean(lead_times) if lead_times else float(fallback_lead_time)
    lead_sigma = statistics.pstdev(lead_times) if len(lead_times) > 1 else 0.0
    if demand_forecast is not None and demand_forecast.method != "none":
        lead_demand = demand_forecast.total(lead)
        cover_demand = demand_forecast.total(lead + cover_days) - lead_demand
        annual = demand_forecast.total(FORECAST_HORIZON) * 365 / FORECAST_HORIZON
        mean = lead_demand / lead if lead > 0 else demand_forecast.daily[0]
        sigma = demand_forecast.residual_stdev
        method = demand_forecast.method
    else:
        lead_demand, cover_demand, annual = mean * lead, mean * cover_days, mean * 365
        method = "window mean" if demand_forecast is None else "none"
    z = statistics.NormalDist().inv_cdf(service_level)
    safety = z * math.sqrt(lead * sigma**2 + mean**2 * lead_sigma**2)
    selling = mean > 0
    safety_stock = math.ceil(safety) if selling else 0
    reorder_point = math.ceil(lead_demand) + safety_stock if selling else 0
    eoq = None
    if order_cost is not None and holding_cost is not None:
        eoq = economic_order_quantity(
            annual_demand=annual, order_cost=order_cost, holding_cost=holding_cost
        )
    target = reorder_point + (eoq if eoq is not None else math.ceil(cover_demand))
    suggested = max(target - position, 0) if position <= reorder_point and selling else 0
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
        lead_time_demand=round(lead_demand, 1),
        forecast_method=method,
        order_rule="cover days" if eoq is None else "economic order quantity",
        economic_order_quantity=eoq,
        backtest=backtest_error,
    )


def reorder_advice(
    stockrecord_ids: Iterable[int] | None = None,
    *,
    today: date | None = None,
    with_backtest: bool = False,
) -> list[ReorderAdvice]:
    """Advice for the given stock records (default: every one that sold or is on order).

    ``with_backtest``: also measure each record's forecast on its own history
    (:func:`~oscar_backorders.supply.forecast.backtest`, four weekly origins), for the admin.
    A fixed number of queries, whatever the number of stock records.
    """
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES

    today = today or timezone.localdate()
    window = int(backorder_settings.DEMAND_WINDOW_DAYS)
    history_days = int(backorder_settings.FORECAST_HISTORY_DAYS)
    days = max(window, history_days)
    first = today - timedelta(days=days - 1)
    StockRecord = get_model("partner", "StockRecord")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
    ids_given = None if stockrecord_ids is None else list(stockrecord_ids)

    per_day = daily_demand(ids_given, since=first - timedelta(days=1))
    open_lines = PurchaseOrderLine._default_manager.filter(status__in=INBOUND_STATUSES).exclude(
        purchase_order__status="cancelled"
    )
    received = PurchaseOrderLine._default_manager.filter(
        status="received", date_last_received__isnull=False
    )
    if ids_given is not None:
        open_lines = open_lines.filter(stockrecord_id__in=ids_given)
        received = received.filter(stockrecord_id__in=ids_given)
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

    ids = set(per_day) | set(inbound) if ids_given is None else set(ids_given)
    records = list(StockRecord._default_manager.filter(pk__in=ids).order_by("pk"))
    policies = PolicyCache()
    policies.warm(records)
    supplier_lead: dict[int, int] = {}
    costs: dict[int, tuple[Decimal, Decimal]] = {}
    for sr_id, lead_days, order_cost, holding_cost in (
        SupplierStockRecord._default_manager.filter(stockrecord_id__in=ids)
        .order_by("-is_preferred", "pk")
        .values_list("stockrecord_id", "lead_time_days", "order_cost", "holding_cost")
    ):
        if lead_days and sr_id not in supplier_lead:
            supplier_lead[sr_id] = lead_days
        if order_cost and holding_cost and sr_id not in costs:
            costs[sr_id] = (order_cost, holding_cost)
    promotions = (
        promotions_by_product(
            {r.product_id for r in records},
            first=first,
            last=today + timedelta(days=FORECAST_HORIZON),
        )
        if history_days and records
        else {}
    )

    advice = []
    for record in records:
        series = as_series(per_day.get(record.pk, {}), first=first, count=days)
        business_days = supplier_lead.get(record.pk) or policies.get(record).lead_time_days
        promos = promotions.get(record.product_id, [])
        demand_forecast, error = None, None
        if history_days:
            recent = series[-history_days:]
            demand_forecast = forecast(
                recent,
                last_day=today,
                horizon=FORECAST_HORIZON,
                promotions=promos,
                stdev_days=window,
            )
            if with_backtest:
                error = backtest(
                    recent, last_day=today, promotions=promos, origins=4, window_days=window
                )
        order_cost, holding_cost = costs.get(record.pk, (None, None))
        advice.append(
            advise(
                stockrecord_id=record.pk,
                daily_quantities=series[-window:],
                lead_times=lead_times.get(record.pk, []),
                fallback_lead_time=business_days * 7 / 5,
                position=(record.num_in_stock or 0)
                - (record.num_allocated or 0)
                + inbound.get(record.pk, 0),
                inbound=inbound.get(record.pk, 0),
                service_level=float(backorder_settings.SERVICE_LEVEL),
                cover_days=int(backorder_settings.ORDER_COVER_DAYS),
                demand_forecast=demand_forecast,
                order_cost=order_cost,
                holding_cost=holding_cost,
                backtest_error=error,
            )
        )
    return advice


def alert_reorder_points(stockrecord_ids: Iterable[int] | None = None) -> list[ReorderAdvice]:
    """Keep each stock record's forecast (:func:`store_forecasts`), then send
    ``reorder_point_reached`` for each one at or below its reorder point."""
    StockRecord = get_model("partner", "StockRecord")
    advice = reorder_advice(stockrecord_ids)
    store_forecasts(advice)
    reached = [a for a in advice if a.reached and a.reorder_point > 0]
    records = StockRecord._default_manager.in_bulk([a.stockrecord_id for a in reached])
    for item in reached:
        signals.reorder_point_reached.send(
            sender=StockRecord,
            stockrecord=records[item.stockrecord_id],
            available=item.position,
            reorder_point=item.reorder_point,
        )
    return reached


def store_forecasts(advice: Sequence[ReorderAdvice]) -> int:
    """Write each record's demand over the lead time and reorder point (one upsert).

    The cap to inbound supply reads them (``BACKORDERS_INBOUND_ALLOWANCE_FROM_FORECAST``), so a
    promotion starting within a lead time lets more be backordered before it starts.
    """
    DemandForecast = get_model("oscar_backorders", "DemandForecast")
    now = timezone.now()
    rows = [
        DemandForecast(
            stockrecord_id=a.stockrecord_id,
            lead_time_demand=math.ceil(a.lead_time_demand),
            reorder_point=a.reorder_point,
            method=a.forecast_method,
            date_computed=now,
        )
        for a in advice
    ]
    DemandForecast._default_manager.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["stockrecord"],
        update_fields=["lead_time_demand", "reorder_point", "method", "date_computed"],
    )
    return len(rows)


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
