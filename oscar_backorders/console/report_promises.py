"""Promise reports: did backordered units ship by the date promised at checkout, and was the shop
as sure of it as it said?

* :func:`promise_accuracy` groups shipped units by product, partner or supplier: units on time
  (shipped on or before the checkout promise), how many days early the on-time units left
  (median) and how late the late ones were (mean);
* :func:`calibration` groups them by the confidence each checkout promise was made with
  (``BackorderLine.promise_confidence``): a shop that promises at 95% should ship about 95% of
  those units on time; the difference in points says by how much it over- or under-promised.

Both are pure (:class:`ShipmentFact` in, rows out). :func:`shipment_facts` reads the facts with
one ``GROUP BY`` query over the shipment events.

**Which supplier.** A shipment is not linked to the purchase-order line whose units it shipped,
so a line counts under the supplier whose purchase orders delivered its stock record's units
*while it waited*: purchase-order lines of the same stock record with units received, last
received between the day the line was backordered and the day it shipped. That is the supplier
whose delivery filled the line (arriving units go to waiting lines first), whatever the stock
record's preferred supplier is. When those deliveries came from several suppliers the units
count under "Several suppliers", not under a guess; with none (units freed by a cancellation,
stock raised by hand, a receipt finished only after the shipment) under "No delivery recorded".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderEventKind
from oscar_backorders.console.report_periods import in_days, percent

#: Group of units shipped after deliveries from more than one supplier.
SEVERAL_SUPPLIERS = _("Several suppliers")
#: Group of units shipped with no purchase-order delivery while they waited.
NO_DELIVERY = _("No delivery recorded")
#: Calibration group of promises made before they carried a confidence.
NO_CONFIDENCE = _("before promises had a confidence")


@dataclass(frozen=True)
class ShipmentFact:
    """Units of one backordered line that shipped on one day, and what was promised for them."""

    product: str
    partner: str
    promised: datetime.date
    shipped_on: datetime.date
    quantity: int
    #: The supplier whose deliveries filled the line (see the module's docstring); "" for none.
    supplier: str = ""
    #: The confidence the checkout promise was made with (0–1), ``None`` before promises had one.
    confidence: float | None = None


def _median(counts: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}; ``None`` when there are none."""
    total = sum(counts.values())
    if not total:
        return None
    low, high = (total - 1) // 2, total // 2  # positions of the middle value(s), from 0
    middle: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(middle) < 2 and seen > (low if not middle else high):
            middle.append(value)
    return round(sum(middle) / 2, 1)


def promise_accuracy(shipments: Iterable[ShipmentFact], *, by: str) -> list[dict[str, Any]]:
    """Shipped units that left by the date promised at checkout, grouped ``by`` product, partner
    or supplier (units without one under "No delivery recorded").

    ``accuracy`` is the percentage of units on time; ``median_days_early`` the median, over
    on-time units, of the days between shipping and the promise (the promise's padding);
    ``average_days_late`` the mean, over late units, of the days after the promise they shipped.
    """
    if by not in ("product", "partner", "supplier"):
        raise ValueError(
            f"promise_accuracy groups by 'product', 'partner' or 'supplier', not {by!r}"
        )
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"shipped": 0, "on_time": 0, "late": 0, "days_late": 0, "early": defaultdict(int)}
    )
    for shipment in shipments:
        name = getattr(shipment, by) or (str(NO_DELIVERY) if by == "supplier" else "")
        row = groups[name]
        row["shipped"] += shipment.quantity
        late_by = (shipment.shipped_on - shipment.promised).days
        if late_by > 0:
            row["late"] += shipment.quantity
            row["days_late"] += late_by * shipment.quantity
        else:
            row["on_time"] += shipment.quantity
            row["early"][-late_by] += shipment.quantity
    return [
        {
            by: name,
            "shipped": row["shipped"],
            "on_time": row["on_time"],
            "late": row["late"],
            "accuracy": percent(row["on_time"], row["shipped"]),
            "median_days_early": _median(row["early"]),
            "average_days_late": round(row["days_late"] / row["late"], 1) if row["late"] else None,
        }
        for name, row in sorted(groups.items())
    ]


def calibration(shipments: Iterable[ShipmentFact]) -> list[dict[str, Any]]:
    """Shipped units by the confidence of their checkout promise (to 2 decimals), with how many
    were on time and the difference between that rate and the confidence, in points.

    ``confidence`` is in percent; promises made without one are the last row, named
    "before promises had a confidence" (no difference: nothing was claimed).
    """
    groups: dict[float | None, list[int]] = defaultdict(lambda: [0, 0])  # shipped, on time
    for shipment in shipments:
        confidence = None if shipment.confidence is None else round(shipment.confidence, 2)
        row = groups[confidence]
        row[0] += shipment.quantity
        if shipment.shipped_on <= shipment.promised:
            row[1] += shipment.quantity
    order = sorted(groups, key=lambda confidence: (confidence is None, confidence or 0))
    rows = []
    for confidence in order:
        shipped, on_time = groups[confidence]
        rate = percent(on_time, shipped)
        rows.append(
            {
                "confidence": str(NO_CONFIDENCE)
                if confidence is None
                else round(confidence * 100, 1),
                "shipped": shipped,
                "on_time": on_time,
                "on_time_rate": rate,
                "difference": (
                    None
                    if confidence is None or rate is None
                    else round(100.0 * on_time / shipped - 100 * confidence, 1)
                ),
            }
        )
    return rows


def shipment_facts(
    *, shipped_since: datetime.date | None = None, shipped_until: datetime.date | None = None
) -> Iterator[ShipmentFact]:
    """Recorded shipments of backordered units as :class:`ShipmentFact`, summed per line and day.

    The supplier is read in two subqueries per fact (how many suppliers delivered the stock
    record while the line waited, and the first one's name), as the module's docstring says.
    """
    BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    qs = BackorderEvent._default_manager.filter(kind=BackorderEventKind.SHIPPED)
    qs = in_days(qs, shipped_since, shipped_until)
    deliveries = PurchaseOrderLine._default_manager.filter(
        stockrecord_id=OuterRef("backorder_line__stockrecord_id"),
        quantity_received__gt=0,
        date_last_received__gte=OuterRef("waited_from"),
        date_last_received__lte=OuterRef("shipped_on"),
    ).order_by()
    supplier_count = (
        deliveries.values("stockrecord_id")
        .annotate(n=Count("purchase_order__supplier_id", distinct=True))
        .values("n")[:1]
    )
    supplier_name = deliveries.order_by("purchase_order__supplier__name").values(
        "purchase_order__supplier__name"
    )[:1]
    group = [
        "backorder_line__line__title",
        "backorder_line__line__partner_name",
        "backorder_line__promised_date",
        "shipped_on",
        "suppliers",
        "supplier_name",
        "backorder_line__promise_confidence",
    ]
    rows = (
        qs.order_by()
        .annotate(
            shipped_on=TruncDate("date_created"),
            waited_from=TruncDate("backorder_line__date_created"),
        )
        .annotate(suppliers=Subquery(supplier_count), supplier_name=Subquery(supplier_name))
        .values(*group)
        .annotate(units=Sum("quantity"))
        .values_list(*group, "units")
    )
    # product, partner, promised, shipped on, then the supplier, confidence and units
    for *head, suppliers, name, confidence, quantity in rows.iterator(chunk_size=5000):
        supplier = str(SEVERAL_SUPPLIERS) if (suppliers or 0) > 1 else name or ""
        yield ShipmentFact(*head, quantity or 0, supplier, confidence)


def _accuracy_columns(first: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [
        first,
        ("shipped", _("units shipped")),
        ("on_time", _("by the promised date")),
        ("late", _("late")),
        ("accuracy", _("on time (%)")),
        ("median_days_early", _("median days early (on-time units)")),
        ("average_days_late", _("average days late")),
    ]


#: Table name → (title, [(column key, column label)]), merged into ``reports.TABLES``.
TABLES: dict[str, tuple[Any, list[tuple[str, Any]]]] = {
    "accuracy_by_product": (
        _("Promise accuracy by product"),
        _accuracy_columns(("product", _("product"))),
    ),
    "accuracy_by_partner": (
        _("Promise accuracy by partner"),
        _accuracy_columns(("partner", _("partner"))),
    ),
    "accuracy_by_supplier": (
        _("Promise accuracy by supplier"),
        _accuracy_columns(("supplier", _("supplier"))),
    ),
    "calibration": (
        _("Promise calibration: kept as often as promised?"),
        [
            ("confidence", _("promised with confidence (%)")),
            ("shipped", _("units shipped")),
            ("on_time", _("by the promised date")),
            ("on_time_rate", _("on time (%)")),
            ("difference", _("on time minus confidence (points)")),
        ],
    ),
}


def build_tables(shipped: list[ShipmentFact]) -> dict[str, list[dict[str, Any]]]:
    """The promise tables' rows from the period's shipments."""
    return {
        "accuracy_by_product": promise_accuracy(shipped, by="product"),
        "accuracy_by_partner": promise_accuracy(shipped, by="partner"),
        "accuracy_by_supplier": promise_accuracy(shipped, by="supplier"),
        "calibration": calibration(shipped),
    }
