"""The merchant's daily digest: new and overdue backorders, payment and supply news."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import NoticeEventKind, NoticeKind, NoticeStatus
from oscar_backorders.notifications.dispatch import claim
from oscar_backorders.notifications.scans.common import model


def merchant_recipients() -> list[str]:
    configured = backorder_settings.MERCHANT_EMAILS
    if configured is None:
        return [email for _name, email in getattr(settings, "MANAGERS", [])]
    return list(configured)


def claim_merchant_digest(*, today: datetime.date | None = None) -> int | None:
    """Claim today's digest for the merchant: new and overdue backorders, payment and supply news.

    Its content is frozen into the payload when claimed (version: the day), so a retry sends the
    same digest. A day with nothing to report is claimed as skipped unless
    ``BACKORDERS_DIGEST_SEND_EMPTY``.
    """
    recipients = merchant_recipients()
    if not recipients:
        return None
    today = today or timezone.localdate()
    Notice, BackorderLine, NoticeEvent = (
        model("Notice"),
        model("BackorderLine"),
        model("NoticeEvent"),
    )
    previous = (
        Notice._default_manager.filter(kind=NoticeKind.MERCHANT_DIGEST, scope="shop")
        .order_by("-date_created")
        .first()
    )
    since = previous.date_created if previous else timezone.now() - datetime.timedelta(days=1)
    event_cursor = (previous.cursor or 0) if previous else 0
    limit = 50

    def line_rows(queryset: Any) -> tuple[int, list[dict[str, Any]]]:
        rows = queryset.select_related("order", "line").order_by("estimated_date", "pk")
        return queryset.count(), [
            {
                "order": b.order.number,
                "title": b.line.title,
                "quantity": b.quantity_waiting,
                "promised": b.promised_date.isoformat(),
                "estimated": b.estimated_date.isoformat(),
            }
            for b in rows[:limit]
        ]

    new_count, new_lines = line_rows(BackorderLine._default_manager.filter(date_created__gte=since))
    overdue_count, overdue = line_rows(
        BackorderLine._default_manager.filter(status=BackorderStatus.WAITING).filter(
            Q(promised_date__lt=today) | Q(estimated_date__lt=today)
        )
    )
    events = list(
        NoticeEvent._default_manager.filter(pk__gt=event_cursor)
        .exclude(kind__in=[NoticeEventKind.PAYMENT_CAPTURED, NoticeEventKind.PAYMENT_RELEASED])
        .select_related("order", "stockrecord", "stockrecord__product")
        .order_by("pk")
    )
    sections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        sections[event.kind].append(
            {
                "order": event.order.number if event.order_id else "",
                "stockrecord": str(event.stockrecord) if event.stockrecord_id else "",
                "amount": str(event.amount) if event.amount is not None else "",
                "detail": {k: str(v) for k, v in event.detail.items()},
            }
        )
    payload = {
        "day": today.isoformat(),
        "new_count": new_count,
        "new_lines": new_lines,
        "overdue_count": overdue_count,
        "overdue": overdue,
        "capture_failed": sections[NoticeEventKind.PAYMENT_CAPTURE_FAILED],
        "expiring": sections[NoticeEventKind.AUTHORISATION_EXPIRING],
        "reorder": sections[NoticeEventKind.REORDER_POINT_REACHED],
    }
    empty = not (new_count or overdue_count or events)
    notice = claim(
        scope="shop",
        kind=NoticeKind.MERCHANT_DIGEST,
        version=today.isoformat(),
        recipient=",".join(recipients),
        language=settings.LANGUAGE_CODE,
        payload=payload,
        cursor=max([e.pk for e in events], default=event_cursor),
        status=(
            NoticeStatus.SKIPPED
            if empty and not backorder_settings.DIGEST_SEND_EMPTY
            else NoticeStatus.PENDING
        ),
    )
    return notice.pk if notice is not None else None
