"""The periodic status follow-up of every order with lines still waiting."""

from __future__ import annotations

import datetime

from django.utils import timezone

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import NoticeKind
from oscar_backorders.notifications.notices import follow_up_number
from oscar_backorders.notifications.scans.common import (
    chunks,
    claim_for_order,
    customers_of,
    local_date,
    model,
)


def scan_follow_ups(*, today: datetime.date | None = None) -> list[int]:
    """Claim this period's status follow-up for every order with lines still waiting.

    The n-th follow-up of an order is due ``n × BACKORDERS_FOLLOW_UP_DAYS`` days after it was
    placed (version ``n``), so reruns and a second beat claim nothing twice. Customers who opted
    out are left out here and re-checked at send time.
    """
    every = backorder_settings.FOLLOW_UP_DAYS
    if not every:
        return []
    today = today or timezone.localdate()
    Notice, BackorderLine = model("Notice"), model("BackorderLine")
    rows = (
        BackorderLine._default_manager.filter(status=BackorderStatus.WAITING)
        .values_list("order_id", "order__date_placed")
        .distinct()
        .order_by("order_id")
    )
    claimed: list[int] = []
    for chunk in chunks(rows.iterator(), backorder_settings.NOTICE_CHUNK_SIZE):
        due = {
            order_id: number
            for order_id, placed in chunk
            if (number := follow_up_number(local_date(placed), today, every_days=every)) >= 1
        }
        existing = set(
            Notice._default_manager.filter(order_id__in=due, kind=NoticeKind.FOLLOW_UP).values_list(
                "order_id", "version"
            )
        )
        due = {o: n for o, n in due.items() if (o, str(n)) not in existing}
        if not due:
            continue
        customers = customers_of(due)
        opted_out = set(
            model("NotificationPreference")
            ._default_manager.filter(
                email__in={email.lower() for _o, email, _l in customers.values()},
                follow_ups=False,
            )
            .values_list("email", flat=True)
        )
        for order_id, number in due.items():
            if order_id not in customers or customers[order_id][1].lower() in opted_out:
                continue
            notice = claim_for_order(
                customers, order_id, kind=NoticeKind.FOLLOW_UP, version=str(number)
            )
            if notice is not None:
                claimed.append(notice.pk)
    return claimed
