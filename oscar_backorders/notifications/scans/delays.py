"""Overrun promises: record a delay per line and claim the order's delay notice; cancel what
needed consent that did not come by the deadline.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_backorders import services
from oscar_backorders.abstract_models import BackorderEventKind, BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import DelayDecision, NoticeKind
from oscar_backorders.notifications.notices import MISSED_GRACE_DAYS, is_overrun, overrun_decision
from oscar_backorders.notifications.scans.common import chunks, claim_for_order, customers_of, model


def scan_overruns(*, today: datetime.date | None = None) -> list[int]:
    """Record a delay for every waiting line whose promise was revised or missed; one notice per
    order.

    A line overruns when its promise was revised past the date promised at checkout, or the
    promise it has now passed more than a day ago unrevised
    (:func:`~oscar_backorders.notifications.notices.is_overrun`); an order is looked at once its
    estimates have not changed for ``BACKORDERS_NOTICE_BATCH_SECONDS``. Each new revised date of
    a line is one :class:`DelayConsent` (unique per line and date, superseding the line's earlier
    unanswered one), decided by the shop's ``BACKORDERS_OVERRUN_RULE``
    (:func:`~oscar_backorders.notifications.notices.overrun_decision`).
    """
    today = today or timezone.localdate()
    BackorderLine, DelayConsent = model("BackorderLine"), model("DelayConsent")
    rule = backorder_settings.OVERRUN_RULE
    offered = DelayConsent._default_manager.filter(
        backorder_line=OuterRef("pk"), revised_date=OuterRef("estimated_date")
    )
    # Wait until the order's estimates settle, so lines delayed together make one notice.
    unsettled = model("BackorderEvent")._default_manager.filter(
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
    for chunk in chunks(by_order, backorder_settings.NOTICE_CHUNK_SIZE):
        customers = customers_of(chunk)
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
                notice = claim_for_order(
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
    DelayConsent = model("DelayConsent")
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
            line = model("BackorderLine")._default_manager.get(pk=consent.backorder_line_id)
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
