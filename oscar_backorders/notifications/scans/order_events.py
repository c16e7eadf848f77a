"""Line events told per order (estimate changed, ready to ship, shipped, cancelled), and the
customer asked to confirm a payment that waits for them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from oscar_backorders.abstract_models import BackorderEventKind
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import NoticeKind
from oscar_backorders.notifications.notices import is_quiet
from oscar_backorders.notifications.scans.common import (
    chunks,
    claim_for_order,
    customers_of,
    model,
    one_snapshot,
)
from oscar_backorders.payments.abstract_models import AuthorisationStatus, CaptureStatus
from oscar_backorders.payments.accounts import CHECKOUT_SEQUENCE

#: Line events that become a customer notice, batched per order.
EVENT_NOTICES: dict[str, str] = {
    BackorderEventKind.ESTIMATE_CHANGED: NoticeKind.ESTIMATE_CHANGED,
    BackorderEventKind.ALLOCATED: NoticeKind.READY_TO_SHIP,
    BackorderEventKind.SHIPPED: NoticeKind.SHIPPED,
    BackorderEventKind.CANCELLED: NoticeKind.CANCELLED,
}


def scan_order_events(*, now: datetime.datetime | None = None) -> list[int]:
    """Claim one notice per order for its line events not yet told, once they have settled.

    Estimate changes, allocations ("ready to ship"), shipments and cancellations are each
    batched per order: the notice covers every such event of the order up to ``cursor`` and is
    claimed only when the newest is ``BACKORDERS_NOTICE_BATCH_SECONDS`` old, so five lines
    changed together make one email. Events older than ``BACKORDERS_NOTICE_LOOKBACK_DAYS`` are
    not looked at.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=backorder_settings.NOTICE_LOOKBACK_DAYS)
    Notice, BackorderEvent = model("Notice"), model("BackorderEvent")
    chunk_size = backorder_settings.NOTICE_CHUNK_SIZE
    claimed: list[int] = []
    for event_kind, notice_kind in EVENT_NOTICES.items():
        covered = Notice._default_manager.filter(
            order_id=OuterRef("backorder_line__order_id"),
            kind=notice_kind,
            cursor__gte=OuterRef("pk"),
        )
        rows = (
            BackorderEvent._default_manager.filter(kind=event_kind, date_created__gte=since)
            .exclude(Exists(covered))
            .order_by("backorder_line__order_id", "pk")
            .values_list("pk", "backorder_line__order_id", "date_created")
        )
        by_order: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
        with one_snapshot():  # a shipment's events and its capture: both seen, or neither
            for pk, order_id, created in rows.iterator(chunk_size=chunk_size):
                by_order[order_id].append((pk, created))
            settled = [
                order_id
                for order_id, events in by_order.items()
                if is_quiet(
                    max(c for _pk, c in events),
                    now=now,
                    seconds=backorder_settings.NOTICE_BATCH_SECONDS,
                )
            ]
            shipments: dict[int, list[int]] = {}
            if event_kind == BackorderEventKind.SHIPPED:
                for chunk in chunks(settled, chunk_size):
                    shipments.update(_untold_shipments(chunk))
        for chunk in chunks(settled, chunk_size):
            customers = customers_of(chunk)
            for order_id in chunk:
                event_ids = [pk for pk, _c in by_order[order_id]]
                payload: dict[str, Any] = {"event_ids": event_ids}
                if order_id in shipments:
                    payload["shipment_ids"] = shipments[order_id]
                notice = claim_for_order(
                    customers,
                    order_id,
                    kind=notice_kind,
                    version=str(max(event_ids)),
                    cursor=max(event_ids),
                    payload=payload,
                )
                if notice is not None:
                    claimed.append(notice.pk)
    claimed.extend(_confirm_payments_not_asked(since))
    return claimed


def _confirm_payments_not_asked(since: datetime.datetime) -> list[int]:
    """Ask every customer whose payment waits for them, should the after-commit signal that
    asks at once have been lost (a process that died right after the commit). An authorisation
    that lapsed counts while it changed within the lookback (not years-old ones)."""
    asked = model("Notice")._default_manager.filter(
        order_id=OuterRef("order_id"),
        kind=NoticeKind.CONFIRM_PAYMENT,
        version=Concat(Value("a"), Cast(OuterRef("pk"), CharField())),
    )
    order_ids = (
        model("PaymentAuthorisation")
        ._default_manager.filter(
            Q(status=AuthorisationStatus.NEEDS_CUSTOMER)
            | Q(status=AuthorisationStatus.EXPIRED, date_updated__gte=since)
        )
        .exclude(Exists(asked))
        .values_list("order_id", flat=True)
        .distinct()
    )
    claimed = [claim_confirm_payment(order_id) for order_id in list(order_ids)]
    return [pk for pk in claimed if pk is not None]


def _untold_shipments(order_ids: list[int]) -> dict[int, list[int]]:
    """The captured shipments with backordered units of these orders that no shipped notice told.

    A shipment's capture is recorded in the transaction that writes its backordered units'
    ``shipped`` events, and the scan reads both in one snapshot, so it finds the captures of the
    events it saw and none of a shipment committed after it read them. The
    checkout capture and shipments of in-stock units only have no backordered units: they are
    not a backorder shipment to tell.
    """
    Notice, PaymentCapture = model("Notice"), model("PaymentCapture")
    told: set[int] = set()
    for payload in Notice._default_manager.filter(
        order_id__in=order_ids, kind=NoticeKind.SHIPPED
    ).values_list("payload", flat=True):
        told.update(payload.get("shipment_ids", []))
    result: dict[int, list[int]] = defaultdict(list)
    rows = (
        PaymentCapture._default_manager.filter(
            order_id__in=order_ids,
            status=CaptureStatus.CAPTURED,
            sequence__gt=CHECKOUT_SEQUENCE,
        )
        .order_by("pk")
        .values_list("pk", "order_id", "backorder_quantities")
    )
    for pk, order_id, backordered in rows:
        if backordered and pk not in told:
            result[order_id].append(pk)
    return result


def claim_confirm_payment(order_id: int) -> int | None:
    """Claim the email asking the customer to confirm payment, once per authorisation.

    For the order's latest authorisation when it waits for the customer (its renewal failed or
    could not be done, or the provider let it lapse: the deadline passed, or Stripe cancelled
    it); version: the authorisation's id, so the same authorisation is never
    asked about twice however often ``authorisation_expiring`` is sent. Returns the notice id.
    """
    authorisation = (
        model("PaymentAuthorisation")
        ._default_manager.filter(order_id=order_id)
        .order_by("-pk")
        .values_list("pk", "status")
        .first()
    )
    if authorisation is None or authorisation[1] not in (
        AuthorisationStatus.NEEDS_CUSTOMER,
        AuthorisationStatus.EXPIRED,
    ):
        return None
    customers = customers_of([order_id])
    if order_id not in customers:
        return None
    notice = claim_for_order(
        customers,
        order_id,
        kind=NoticeKind.CONFIRM_PAYMENT,
        version=f"a{authorisation[0]}",
        payload={"authorisation_id": authorisation[0]},
    )
    return notice.pk if notice is not None else None
