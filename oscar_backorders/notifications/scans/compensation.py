"""One compensation voucher per order after a long wait, claimed with the notice that tells it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import get_random_string
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import NoticeKind
from oscar_backorders.notifications.notices import compensation_due
from oscar_backorders.notifications.scans.common import (
    chunks,
    claim_for_order,
    customers_of,
    local_date,
    model,
)


def _create_voucher(order: Any) -> tuple[Any, str]:
    """A single-use voucher for one order's long wait, from ``BACKORDERS_COMPENSATION_VOUCHER``."""
    Range = get_model("offer", "Range")
    Benefit = get_model("offer", "Benefit")
    Condition = get_model("offer", "Condition")
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    Voucher = get_model("voucher", "Voucher")
    config = backorder_settings.COMPENSATION_VOUCHER
    value = Decimal(str(config.get("value", "10")))
    benefit_type = config.get("benefit_type", Benefit.PERCENTAGE)
    all_products, _created = Range._default_manager.get_or_create(
        name="Backorder compensation (all products)", defaults={"includes_all_products": True}
    )
    name = f"Backorder compensation {order.number}"
    offer = ConditionalOffer._default_manager.create(
        name=name,
        offer_type=ConditionalOffer.VOUCHER,
        condition=Condition._default_manager.create(
            range=all_products, type=Condition.COUNT, value=1
        ),
        benefit=Benefit._default_manager.create(range=all_products, type=benefit_type, value=value),
        max_global_applications=1,
    )
    now = timezone.now()
    voucher = Voucher._default_manager.create(
        name=name,
        code=get_random_string(12, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
        usage=Voucher.SINGLE_USE,
        start_datetime=now,
        end_datetime=now + datetime.timedelta(days=int(config.get("valid_days", 90))),
    )
    voucher.offers.add(offer)
    description = f"{value}%" if benefit_type == Benefit.PERCENTAGE else f"{value} {order.currency}"
    return voucher, description


def grant_compensation(*, today: datetime.date | None = None) -> list[int]:
    """Give each order waiting ``BACKORDERS_COMPENSATION_AFTER_DAYS`` one voucher, at most once.

    The notice (version ``1``, so at most one per order) and the voucher are created in one
    transaction: a voucher never exists without its notice, nor twice.
    """
    after = backorder_settings.COMPENSATION_AFTER_DAYS
    if after is None:
        return []
    today = today or timezone.localdate()
    Notice, BackorderLine = model("Notice"), model("BackorderLine")
    granted = Notice._default_manager.filter(
        order_id=OuterRef("order_id"), kind=NoticeKind.COMPENSATION
    )
    rows = (
        BackorderLine._default_manager.filter(status=BackorderStatus.WAITING)
        .exclude(Exists(granted))
        .values_list("order_id", "order__date_placed")
        .distinct()
        .order_by("order_id")
    )
    claimed: list[int] = []
    for chunk in chunks(rows.iterator(), backorder_settings.NOTICE_CHUNK_SIZE):
        due = [
            o
            for o, placed in chunk
            if compensation_due(local_date(placed), today, after_days=after)
        ]
        customers = customers_of(due)
        for order_id in due:
            with transaction.atomic():
                notice = claim_for_order(
                    customers, order_id, kind=NoticeKind.COMPENSATION, version="1"
                )
                if notice is None:
                    continue
                voucher, description = _create_voucher(customers[order_id][0])
                notice.payload = {"voucher_id": voucher.pk, "benefit": description}
                notice.save(update_fields=["payload"])
                claimed.append(notice.pk)
    return claimed
