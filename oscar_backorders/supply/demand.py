"""What the forecast reads from the database: daily demand and the promotions of stock records.

Each function runs a fixed number of queries whatever the number of stock records, so the
reorder page costs the same for ten records as for a thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.supply.forecast import Promotion


def daily_demand(
    stockrecord_ids: Collection[int] | None, *, since: date
) -> dict[int, dict[date, int]]:
    """Units ordered per stock record and day (in the shop's time zone) after ``since``.

    What customers *ordered*, backordered units included, not only what shipped. One query,
    summed by the database.
    """
    Line = get_model("order", "Line")
    lines = Line._default_manager.filter(
        order__date_placed__date__gt=since, stockrecord_id__isnull=False
    )
    if stockrecord_ids is not None:
        lines = lines.filter(stockrecord_id__in=list(stockrecord_ids))
    rows = (
        lines.annotate(day=TruncDate("order__date_placed", tzinfo=timezone.get_current_timezone()))
        .values("stockrecord_id", "day")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    per_day: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        per_day[row["stockrecord_id"]][row["day"]] = row["units"]
    return per_day


def promotions_by_product(
    product_ids: Collection[int], *, first: date, last: date
) -> dict[int, list[Promotion]]:
    """The promotions touching ``first``..``last`` of each product (a variant: its parent's, and
    a category's: every product in it or in a category below it).

    At most four queries: promotions, then (only if any) the products' parents and categories.
    """
    PromotionModel = get_model("oscar_backorders", "Promotion")
    found = list(
        PromotionModel._default_manager.filter(start_date__lte=last, end_date__gte=first)
        .filter(
            Q(product__isnull=True)
            | Q(product_id__in=list(product_ids))
            | Q(product__children__in=list(product_ids))
        )
        .select_related("category")
        .distinct()
        .order_by("start_date", "pk")
    )
    result: dict[int, list[Promotion]] = {pk: [] for pk in product_ids}
    if not found:
        return result
    Product = get_model("catalogue", "Product")
    parent_of = dict(
        Product._default_manager.filter(pk__in=list(product_ids)).values_list("pk", "parent_id")
    )
    paths: dict[int, list[str]] = defaultdict(list)
    if any(p.category_id for p in found):
        ProductCategory = get_model("catalogue", "ProductCategory")
        owners = {parent_of.get(pk) or pk for pk in product_ids}
        for product_id, path in ProductCategory._default_manager.filter(
            product_id__in=owners
        ).values_list("product_id", "category__path"):
            paths[product_id].append(path)
    for pk in product_ids:
        owner = parent_of.get(pk) or pk
        for promo in found:
            if promo.product_id in (pk, owner) or (
                promo.category_id
                and any(path.startswith(promo.category.path) for path in paths[owner])
            ):
                result[pk].append(
                    Promotion(promo.start_date, promo.end_date, promo.uplift_percent / 100)
                )
    return result


def as_series(days: dict[date, int], *, first: date, count: int) -> Sequence[int]:
    """Daily units from ``first`` on, ``count`` days, zeros where nothing was ordered."""
    from datetime import timedelta

    return [days.get(first + timedelta(days=i), 0) for i in range(count)]
