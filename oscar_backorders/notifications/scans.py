"""Find what is due in the database and claim it: one plain function per kind of notice.

The Celery tasks in :mod:`~oscar_backorders.notifications.tasks` call these; so can a management
command or a test. Each reads in chunks (``BACKORDERS_NOTICE_CHUNK_SIZE``), claims through
:func:`~oscar_backorders.notifications.dispatch.claim` (so running a scan twice, or on two
workers at once, claims nothing twice) and returns the ids of the notices it claimed. None of
them sends mail; :func:`~oscar_backorders.notifications.dispatch.send_notice` does.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.abstract_models import BackorderEventKind, BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import (
    DelayDecision,
    NoticeEventKind,
    NoticeKind,
    NoticeStatus,
)
from oscar_backorders.notifications.dispatch import claim
from oscar_backorders.notifications.notices import (
    MISSED_GRACE_DAYS,
    compensation_due,
    follow_up_number,
    is_overrun,
    is_quiet,
    order_scope,
    overrun_decision,
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


def _m(name: str) -> Any:
    return get_model("oscar_backorders", name)


def _chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _customers(order_ids: Iterable[int]) -> dict[int, tuple[Any, str, str]]:
    """``order id → (order, email, language)`` in two queries."""
    Order = get_model("order", "Order")
    orders = list(Order._default_manager.filter(pk__in=set(order_ids)).select_related("user"))
    emails = {(o.email or "").strip().lower() for o in orders} - {""}
    preferences = {
        p.email: p for p in _m("NotificationPreference")._default_manager.filter(email__in=emails)
    }
    result = {}
    for order in orders:
        email = (order.email or "").strip()
        preference = preferences.get(email.lower())
        language = (preference.language if preference else "") or settings.LANGUAGE_CODE
        result[order.pk] = (order, email, language)
    return result


def _claim_for_order(
    customers: dict[int, tuple[Any, str, str]], order_id: int, **kwargs: Any
) -> Any | None:
    order, email, language = customers[order_id]
    return claim(
        scope=order_scope(order_id), order=order, recipient=email, language=language, **kwargs
    )


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
    Notice, BackorderEvent = _m("Notice"), _m("BackorderEvent")
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
        for chunk in _chunks(settled, chunk_size):
            customers = _customers(chunk)
            shipments = _untold_shipments(chunk) if event_kind == BackorderEventKind.SHIPPED else {}
            for order_id in chunk:
                event_ids = [pk for pk, _c in by_order[order_id]]
                payload: dict[str, Any] = {"event_ids": event_ids}
                if order_id in shipments:
                    payload["shipment_ids"] = shipments[order_id]
                notice = _claim_for_order(
                    customers,
                    order_id,
                    kind=notice_kind,
                    version=str(max(event_ids)),
                    cursor=max(event_ids),
                    payload=payload,
                )
                if notice is not None:
                    claimed.append(notice.pk)
    claimed.extend(_confirm_payments_not_asked())
    return claimed


def _confirm_payments_not_asked() -> list[int]:
    """Ask every customer whose payment waits for them, should the after-commit signal that
    asks at once have been lost (a process that died right after the commit)."""
    asked = _m("Notice")._default_manager.filter(
        order_id=OuterRef("order_id"),
        kind=NoticeKind.CONFIRM_PAYMENT,
        version=Concat(Value("a"), Cast(OuterRef("pk"), CharField())),
    )
    order_ids = (
        _m("PaymentAuthorisation")
        ._default_manager.filter(status=AuthorisationStatus.NEEDS_CUSTOMER)
        .exclude(Exists(asked))
        .values_list("order_id", flat=True)
        .distinct()
    )
    claimed = [claim_confirm_payment(order_id) for order_id in list(order_ids)]
    return [pk for pk in claimed if pk is not None]


def _untold_shipments(order_ids: list[int]) -> dict[int, list[int]]:
    """The captured shipments with backordered units of these orders that no shipped notice told.

    A shipment's capture is recorded in the transaction that writes its backordered units'
    ``shipped`` events, so a scan that saw the events (read first) finds their captures. The
    checkout capture and shipments of in-stock units only have no backordered units: they are
    not a backorder shipment to tell.
    """
    Notice, PaymentCapture = _m("Notice"), _m("PaymentCapture")
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
    could not be done); version: the authorisation's id, so the same authorisation is never
    asked about twice however often ``authorisation_expiring`` is sent. Returns the notice id.
    """
    authorisation = (
        _m("PaymentAuthorisation")
        ._default_manager.filter(order_id=order_id)
        .order_by("-pk")
        .values_list("pk", "status")
        .first()
    )
    if authorisation is None or authorisation[1] != AuthorisationStatus.NEEDS_CUSTOMER:
        return None
    customers = _customers([order_id])
    if order_id not in customers:
        return None
    notice = _claim_for_order(
        customers,
        order_id,
        kind=NoticeKind.CONFIRM_PAYMENT,
        version=f"a{authorisation[0]}",
        payload={"authorisation_id": authorisation[0]},
    )
    return notice.pk if notice is not None else None


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


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
    Notice, BackorderLine = _m("Notice"), _m("BackorderLine")
    rows = (
        BackorderLine._default_manager.filter(status=BackorderStatus.WAITING)
        .values_list("order_id", "order__date_placed")
        .distinct()
        .order_by("order_id")
    )
    claimed: list[int] = []
    for chunk in _chunks(rows.iterator(), backorder_settings.NOTICE_CHUNK_SIZE):
        due = {
            order_id: number
            for order_id, placed in chunk
            if (number := follow_up_number(_local_date(placed), today, every_days=every)) >= 1
        }
        existing = set(
            Notice._default_manager.filter(order_id__in=due, kind=NoticeKind.FOLLOW_UP).values_list(
                "order_id", "version"
            )
        )
        due = {o: n for o, n in due.items() if (o, str(n)) not in existing}
        if not due:
            continue
        customers = _customers(due)
        opted_out = set(
            _m("NotificationPreference")
            ._default_manager.filter(
                email__in={email.lower() for _o, email, _l in customers.values()},
                follow_ups=False,
            )
            .values_list("email", flat=True)
        )
        for order_id, number in due.items():
            if order_id not in customers or customers[order_id][1].lower() in opted_out:
                continue
            notice = _claim_for_order(
                customers, order_id, kind=NoticeKind.FOLLOW_UP, version=str(number)
            )
            if notice is not None:
                claimed.append(notice.pk)
    return claimed


def scan_overruns(*, today: datetime.date | None = None) -> list[int]:
    """Record a delay for every waiting line whose promise was revised or missed; one notice per
    order.

    A line overruns when its promise was revised past the date promised at checkout, or the
    promise it has now passed more than a day ago unrevised (:func:`~.notices.is_overrun`); an
    order is looked at once its estimates have not changed for
    ``BACKORDERS_NOTICE_BATCH_SECONDS``. Each new revised date of a line is one
    :class:`DelayConsent` (unique per line and date, superseding the line's earlier unanswered
    one), decided by the shop's ``BACKORDERS_OVERRUN_RULE``
    (:func:`~oscar_backorders.notifications.notices.overrun_decision`).
    """
    today = today or timezone.localdate()
    BackorderLine, DelayConsent = _m("BackorderLine"), _m("DelayConsent")
    rule = backorder_settings.OVERRUN_RULE
    offered = DelayConsent._default_manager.filter(
        backorder_line=OuterRef("pk"), revised_date=OuterRef("estimated_date")
    )
    # Wait until the order's estimates settle, so lines delayed together make one notice.
    unsettled = _m("BackorderEvent")._default_manager.filter(
        backorder_line__order_id=OuterRef("order_id"),
        kind=BackorderEventKind.ESTIMATE_CHANGED,
        date_created__gt=timezone.now()
        - datetime.timedelta(seconds=backorder_settings.NOTICE_BATCH_SECONDS),
    )
    lines = (
        BackorderLine._default_manager.filter(status=BackorderStatus.WAITING)
        .filter(
            Q(estimated_date__gt=F("promised_date"))
            | Q(estimated_date__lt=today - datetime.timedelta(days=MISSED_GRACE_DAYS))
        )
        .exclude(Exists(offered))
        .exclude(Exists(unsettled))
        .annotate(earlier_delays=Count("delay_consents"))
        .order_by("order_id", "pk")
    )
    by_order: dict[int, list[Any]] = defaultdict(list)
    for line in lines.iterator(chunk_size=backorder_settings.NOTICE_CHUNK_SIZE):
        if is_overrun(promised=line.promised_date, estimated=line.estimated_date, today=today):
            by_order[line.order_id].append(line)
    claimed: list[int] = []
    for chunk in _chunks(by_order, backorder_settings.NOTICE_CHUNK_SIZE):
        customers = _customers(chunk)
        for order_id in chunk:
            with transaction.atomic():
                consent_ids = []
                for line in by_order[order_id]:
                    decision = overrun_decision(
                        rule=rule,
                        promised=line.promised_date,
                        estimated=line.estimated_date,
                        today=today,
                        earlier_delays=line.earlier_delays,
                        response_days=backorder_settings.OVERRUN_RESPONSE_DAYS,
                        silent_consent_days=backorder_settings.OVERRUN_SILENT_CONSENT_DAYS,
                    )
                    DelayConsent._default_manager.filter(
                        backorder_line=line, decision=DelayDecision.PENDING
                    ).update(decision=DelayDecision.SUPERSEDED, date_decided=timezone.now())
                    try:
                        with transaction.atomic():
                            consent = DelayConsent._default_manager.create(
                                backorder_line=line,
                                revised_date=decision.revised_date,
                                rule=decision.rule,
                                consent_required=decision.consent_required,
                                deadline=decision.deadline,
                            )
                    except IntegrityError:  # another scan recorded this delay first
                        continue
                    consent_ids.append(consent.pk)
                if not consent_ids:
                    continue
                notice = _claim_for_order(
                    customers,
                    order_id,
                    kind=NoticeKind.DELAY_OPTIONS,
                    version=f"c{max(consent_ids)}",
                    cursor=max(consent_ids),
                    payload={"consent_ids": consent_ids},
                )
                if notice is not None:
                    claimed.append(notice.pk)
    return claimed


def expire_delay_consents(*, today: datetime.date | None = None) -> list[int]:
    """Cancel the waiting part of lines whose consent was required and did not come in time.

    The money is released by whoever listens to the cancellation (the payments side); the
    customer's cancellation notice follows from the cancellation event. Returns the consent ids.
    """
    today = today or timezone.localdate()
    DelayConsent = _m("DelayConsent")
    ids = list(
        DelayConsent._default_manager.filter(
            decision=DelayDecision.PENDING, consent_required=True, deadline__lt=today
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = []
    for consent_id in ids:
        with transaction.atomic():
            consent = (
                DelayConsent._default_manager.select_for_update()
                .filter(pk=consent_id, decision=DelayDecision.PENDING)
                .first()
            )
            if consent is None:
                continue
            line = _m("BackorderLine")._default_manager.get(pk=consent.backorder_line_id)
            if line.quantity_waiting > 0:
                services.cancel_units(
                    line.pk,
                    line.quantity_waiting,
                    actor=None,
                    reason=_("No consent to the delay by %(date)s")
                    % {"date": consent.deadline.isoformat()},
                )
                consent.decision = DelayDecision.AUTO_CANCELLED
            else:
                consent.decision = DelayDecision.SUPERSEDED
            consent.date_decided = timezone.now()
            consent.save(update_fields=["decision", "date_decided"])
            done.append(consent.pk)
    return done


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
    Notice, BackorderLine = _m("Notice"), _m("BackorderLine")
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
    for chunk in _chunks(rows.iterator(), backorder_settings.NOTICE_CHUNK_SIZE):
        due = [
            o
            for o, placed in chunk
            if compensation_due(_local_date(placed), today, after_days=after)
        ]
        customers = _customers(due)
        for order_id in due:
            with transaction.atomic():
                notice = _claim_for_order(
                    customers, order_id, kind=NoticeKind.COMPENSATION, version="1"
                )
                if notice is None:
                    continue
                voucher, description = _create_voucher(customers[order_id][0])
                notice.payload = {"voucher_id": voucher.pk, "benefit": description}
                notice.save(update_fields=["payload"])
                claimed.append(notice.pk)
    return claimed


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
    Notice, BackorderLine, NoticeEvent = _m("Notice"), _m("BackorderLine"), _m("NoticeEvent")
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
