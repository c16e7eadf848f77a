"""Arrival dates confirmed by suppliers: record them on purchase-order lines, re-date what waits.

A supplier's confirmation ("these units arrive on 5 December") is kept apart from the merchant's
expected date: ``confirmed_date`` is the date confirmed now, ``first_confirmed_date`` the first
one ever confirmed (lateness against confirmations is measured from it, so a confirmation moved
later still counts against the supplier) and ``date_confirmed`` when the confirmation came.

:func:`confirm_arrival` is the one way to record a confirmation: the admin, the CSV import of new
purchase orders and integrations (a supplier's portal, an EDI feed) all end here or write the same
fields. :func:`withdraw_confirmation` empties it again when a supplier takes it back. Both re-date
the stock record's waiting lines after commit, with a reason naming the purchase order, and leave
a ``LogEntry`` on the line when a user did it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_backorders.exceptions import BackorderError
from oscar_backorders.formatting import order_date
from oscar_backorders.supply.abstract_models import INBOUND_STATUSES, PurchaseOrderStatus
from oscar_backorders.supply.receivers import redate_after_commit
from oscar_backorders.supply.receiving import _lock_po_line


class ConfirmationRefused(BackorderError, ValueError):
    """A confirmed arrival that cannot be recorded: not a date, in the past, or a closed line."""

    def __init__(
        self, message: str, *, purchase_order_line_id: int | None, day: Any = None
    ) -> None:
        self.purchase_order_line_id = purchase_order_line_id
        self.day = day
        super().__init__(message)


def is_a_day(value: Any) -> bool:
    """Whether ``value`` is a calendar date (a ``datetime`` is not: it carries a time)."""
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def closed_reason(line: Any) -> str | None:
    """Why nothing can be confirmed on ``line`` any more, or ``None`` while units are expected."""
    order = line.purchase_order
    if order.status == PurchaseOrderStatus.CANCELLED:
        return _("%(reference)s is cancelled; there is no arrival to confirm.") % {
            "reference": order.reference
        }
    if line.status not in INBOUND_STATUSES:
        return _("%(line)s is %(status)s; there is no arrival left to confirm.") % {
            "line": line,
            "status": line.get_status_display().lower(),
        }
    return None


def not_a_day(value: Any) -> str:
    return _("The confirmed arrival must be a date (YYYY-MM-DD), not %(value)r.") % {"value": value}


def refusal(line: Any, day: Any, *, today: datetime.date) -> str | None:
    """Why ``day`` cannot be confirmed for ``line`` (``None``: it can). Forms ask it too."""
    if not is_a_day(day):
        return not_a_day(day)
    if day < today:
        return _(
            "The confirmed arrival %(day)s is in the past; a supplier confirms today or later."
        ) % {"day": order_date(day)}
    return closed_reason(line)


@transaction.atomic
def confirm_arrival(
    purchase_order_line_id: int,
    day: datetime.date,
    *,
    actor: Any | None = None,
    today: datetime.date | None = None,
) -> Any:
    """Record that the supplier confirmed ``day`` as the arrival of a purchase-order line.

    Locks the line (``SELECT … FOR UPDATE``), refuses with :class:`ConfirmationRefused` and
    changes nothing when ``day`` is not a date, is before ``today`` (default: the shop's local
    date), or the line or its purchase order is closed (received, cancelled). Sets
    ``confirmed_date`` and ``date_confirmed`` (``first_confirmed_date`` keeps the first
    confirmation); the same date again changes nothing. The stock record's waiting lines are
    re-dated after commit. Raises ``PurchaseOrderLine.DoesNotExist`` for an unknown id.
    """
    if not is_a_day(day):
        raise ConfirmationRefused(
            not_a_day(day), purchase_order_line_id=purchase_order_line_id, day=day
        )
    line = _lock_po_line(purchase_order_line_id)
    problem = refusal(line, day, today=today or timezone.localdate())
    if problem:
        raise ConfirmationRefused(problem, purchase_order_line_id=line.pk, day=day)
    if line.confirmed_date == day:
        return line
    before = line.confirmed_date
    line.confirmed_date = day
    if line.first_confirmed_date is None:
        line.first_confirmed_date = day
    line.date_confirmed = timezone.now()
    _save(line)
    reason = _("%(reference)s: arrival confirmed for %(day)s") % {
        "reference": line.purchase_order.reference,
        "day": day.isoformat(),
    }
    if before is not None:
        reason += " " + _("(was %(day)s)") % {"day": before.isoformat()}
    _log(actor, line, reason)
    redate_after_commit([line.stockrecord_id], reason=reason)
    return line


@transaction.atomic
def withdraw_confirmation(purchase_order_line_id: int, *, actor: Any | None = None) -> Any:
    """Empty the confirmed arrival of a purchase-order line (the supplier took it back).

    Same locks and refusals for closed lines as :func:`confirm_arrival`; a line without a
    confirmation is left as it is. ``first_confirmed_date`` is kept: a withdrawn confirmation
    was still a date the supplier gave. Re-dates the stock record's waiting lines after commit.
    """
    line = _lock_po_line(purchase_order_line_id)
    problem = closed_reason(line)
    if problem:
        raise ConfirmationRefused(problem, purchase_order_line_id=line.pk)
    if line.confirmed_date is None:
        return line
    reason = _("%(reference)s: confirmed arrival %(day)s withdrawn") % {
        "reference": line.purchase_order.reference,
        "day": line.confirmed_date.isoformat(),
    }
    line.confirmed_date = None
    line.date_confirmed = None
    _save(line)
    _log(actor, line, reason)
    redate_after_commit([line.stockrecord_id], reason=reason)
    return line


def _save(line: Any) -> None:
    line._backorders_skip_redate = True  # re-dated once, after commit, by the caller
    line.save(
        update_fields=["confirmed_date", "first_confirmed_date", "date_confirmed", "date_updated"]
    )


def _log(actor: Any | None, line: Any, message: str) -> None:
    """A ``LogEntry`` on the line (its *History* in the admin) when a user made the change."""
    if not getattr(actor, "pk", None) or not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import CHANGE, LogEntry

    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[line],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
