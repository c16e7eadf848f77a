"""State changes of a backordered line, one atomic function each.

Every function here locks the lines it changes (``SELECT … FOR UPDATE`` in pk order, see
:mod:`oscar_backorders.locks`), re-reads them, validates against the locked row, writes the new
quantities and status, appends a :class:`BackorderEvent`, and sends its public signal after
commit. Views, admin actions, Celery tasks, management commands and tests all call these; nothing
else writes a backordered line's quantities, status, estimate or priority.

Stock counters: a backordered unit is already counted in ``StockRecord.num_allocated`` from the
moment it is ordered (see :mod:`oscar_backorders.placement`). Allocating arriving stock to it
moves no counter (the unit was allocated all along; now there is stock behind it); shipping it
goes through Oscar's ``consume_allocation`` (the caller's shipping flow does that); cancelling it
gives its allocation back with ``cancel_allocation``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.abstract_models import BackorderEventKind, EstimateSource
from oscar_backorders.bulk import insert_rows
from oscar_backorders.exceptions import BackorderError, InvalidBackorderQuantity
from oscar_backorders.formatting import order_date
from oscar_backorders.locks import lock_backorder_lines, lock_stockrecords


class BackorderStateError(BackorderError):
    """The line is not in a state that allows the change (e.g. it already shipped)."""

    def __init__(self, message: str, *, backorder_line_id: int) -> None:
        self.backorder_line_id = backorder_line_id
        super().__init__(message)


def _models() -> tuple[Any, Any]:
    return (
        get_model("oscar_backorders", "BackorderLine"),
        get_model("oscar_backorders", "BackorderEvent"),
    )


def _lock_one(backorder_line_id: int) -> Any:
    BackorderLine, _event = _models()
    rows = lock_backorder_lines([backorder_line_id])
    try:
        return rows[backorder_line_id]
    except KeyError:
        raise BackorderLine.DoesNotExist(
            _("There is no backordered line %(id)s.") % {"id": backorder_line_id}
        ) from None


def _check_quantity(quantity: int, *, most: int, what: str) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidBackorderQuantity(_("The quantity must be a whole number."), quantity=quantity)
    if quantity <= 0:
        raise InvalidBackorderQuantity(
            _("The quantity must be at least 1 (got %(quantity)s).") % {"quantity": quantity},
            quantity=quantity,
        )
    if quantity > most:
        raise InvalidBackorderQuantity(
            _("Only %(most)d %(what)s; %(quantity)d is too many.")
            % {"most": most, "what": what, "quantity": quantity},
            quantity=quantity,
        )


def _save(line: Any, fields: list[str]) -> None:
    line.status = line.derived_status()
    line.save(update_fields=[*fields, "status", "date_updated"])


def _event(line: Any, kind: str, **kwargs: Any) -> Any:
    _line, BackorderEvent = _models()
    return BackorderEvent._default_manager.create(backorder_line=line, kind=kind, **kwargs)


def _order_note(line: Any, message: str, actor: Any | None) -> None:
    """Mirror merchant- and customer-initiated changes into Oscar's order notes."""
    OrderNote = get_model("order", "OrderNote")
    OrderNote._default_manager.create(
        order_id=line.order_id,
        user=actor if getattr(actor, "pk", None) else None,
        note_type=OrderNote.SYSTEM,
        message=message,
    )


@transaction.atomic
def set_estimate(
    backorder_line_id: int,
    new_date: datetime.date,
    *,
    reason: str,
    actor: Any | None = None,
    source: str = EstimateSource.MERCHANT,
    today: datetime.date | None = None,
) -> Any:
    """Set the estimated ship date of a line that has not fully shipped.

    Refuses a date in the past and lines with nothing open. A date equal to the current one
    changes nothing and records nothing. Sends ``estimate_changed`` after commit.
    """
    today = today or timezone.localdate()
    line = _lock_one(backorder_line_id)
    if not isinstance(new_date, datetime.date) or isinstance(new_date, datetime.datetime):
        raise BackorderError(_("The estimated date must be a date."))
    if new_date < today:
        raise BackorderError(
            _("The estimated date %(date)s is in the past.") % {"date": order_date(new_date)}
        )
    if line.quantity_open <= 0:
        raise BackorderStateError(
            _("Nothing of this line is still open; its estimate can no longer change."),
            backorder_line_id=line.pk,
        )
    old_date = line.estimated_date
    if new_date == old_date:
        return line
    line.estimated_date = new_date
    line.estimate_source = source
    line.save(update_fields=["estimated_date", "estimate_source", "date_updated"])
    _event(
        line,
        BackorderEventKind.ESTIMATE_CHANGED,
        old_date=old_date,
        new_date=new_date,
        reason=reason[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    if actor is not None:
        _order_note(
            line,
            _("Estimated ship date of %(title)s moved from %(old)s to %(new)s: %(reason)s")
            % {"title": line.line.title, "old": old_date, "new": new_date, "reason": reason},
            actor,
        )
    transaction.on_commit(
        lambda: signals.estimate_changed.send(
            sender=type(line),
            backorder_line=line,
            old_date=old_date,
            new_date=new_date,
            reason=reason,
        )
    )
    return line


@transaction.atomic
def set_priority(
    backorder_line_id: int, priority: int, *, actor: Any | None = None, reason: str = ""
) -> Any:
    """Set the manual priority of a line (higher is served first when stock arrives)."""
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise BackorderError(_("The priority must be a whole number."))
    if not -1000 <= priority <= 1000:
        raise BackorderError(_("The priority must be between -1000 and 1000."))
    line = _lock_one(backorder_line_id)
    if line.quantity_waiting <= 0:
        raise BackorderStateError(
            _("Nothing of this line is waiting for stock; its priority no longer matters."),
            backorder_line_id=line.pk,
        )
    if line.priority == priority:
        return line
    old = line.priority
    line.priority = priority
    line.save(update_fields=["priority", "date_updated"])
    _event(
        line,
        BackorderEventKind.PRIORITY_CHANGED,
        quantity=priority,
        reason=(reason or _("priority %(old)d → %(new)d") % {"old": old, "new": priority})[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return line


@transaction.atomic
def allocate_units(
    backorder_line_id: int, quantity: int, *, reason: str, actor: Any | None = None
) -> Any:
    """Mark ``quantity`` waiting units as having stock behind them (ready to ship).

    The caller (restock allocation) has established, under the stock record's lock, that the
    stock exists; this records it on the line. Sends ``backorder_allocated`` after commit.
    """
    return allocate_units_bulk({backorder_line_id: quantity}, reason=reason, actor=actor)[0]


@transaction.atomic
def allocate_units_bulk(
    quantities: Mapping[int, int], *, reason: str, actor: Any | None = None
) -> list[Any]:
    """:func:`allocate_units` for many lines at once, with a constant number of queries.

    ``quantities`` maps backordered line ids to units. Locks every line in pk order with one
    query, validates each exactly as :func:`allocate_units` does (all or nothing: one bad
    quantity refuses the whole call), writes them with one bulk update, one event per line, and
    sends ``backorder_allocated`` per line after commit. Restock allocation uses it so one
    receipt filling thousands of lines stays fast.
    """
    BackorderLine, BackorderEvent = _models()
    if not quantities:
        return []
    # Locked in pk order like lock_backorder_lines, without its joins (thousands of rows).
    lines = {
        row.pk: row
        for row in BackorderLine._default_manager.select_for_update()
        .filter(pk__in=list(quantities))
        .order_by("pk")
    }
    missing = sorted(set(quantities) - set(lines))
    if missing:
        raise BackorderLine.DoesNotExist(
            _("There is no backordered line %(id)s.") % {"id": missing[0]}
        )
    changed = []
    for pk in sorted(lines):
        line, quantity = lines[pk], quantities[pk]
        _check_quantity(quantity, most=line.quantity_waiting, what=_("units are waiting"))
        line.quantity_allocated += quantity
        line.status = line.derived_status()
        changed.append((line, quantity))
    # One UPDATE per distinct (units, new status): a handful, whatever the number of lines
    # (Django's bulk_update builds a CASE per row, which is slower by orders of magnitude).
    groups: dict[tuple[int, str], list[int]] = {}
    for line, quantity in changed:
        groups.setdefault((quantity, line.status), []).append(line.pk)
    now = timezone.now()
    for (quantity, status), ids in groups.items():
        for start in range(0, len(ids), 2000):
            BackorderLine._default_manager.filter(pk__in=ids[start : start + 2000]).update(
                quantity_allocated=F("quantity_allocated") + quantity,
                status=status,
                date_updated=now,
            )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    insert_rows(
        BackorderEvent,
        ["backorder_line", "kind", "quantity", "reason", "actor", "date_created"],
        [
            (line.pk, str(BackorderEventKind.ALLOCATED), quantity, reason[:255], actor_id, now)
            for line, quantity in changed
        ],
    )

    def send() -> None:
        for line, quantity in changed:
            signals.backorder_allocated.send(
                sender=type(line), backorder_line=line, quantity=quantity
            )

    transaction.on_commit(send)
    return [line for line, _q in changed]


@transaction.atomic
def record_shipment(
    backorder_line_id: int, quantity: int, *, actor: Any | None = None, reason: str = ""
) -> Any:
    """Record that ``quantity`` allocated units of the line shipped.

    Units still waiting for stock cannot ship. Stock counters are the caller's shipping flow's
    (Oscar's ``EventHandler.consume_stock_allocations``). Sends ``backorder_shipped`` after commit.
    """
    line = _lock_one(backorder_line_id)
    if quantity > line.quantity_allocated and line.quantity_waiting > 0:
        raise BackorderStateError(
            _(
                "Only %(allocated)d unit(s) of %(title)s have stock allocated; the other "
                "%(waiting)d are still waiting and cannot ship yet."
            )
            % {
                "allocated": line.quantity_allocated,
                "title": line.line.title,
                "waiting": line.quantity_waiting,
            },
            backorder_line_id=line.pk,
        )
    _check_quantity(quantity, most=line.quantity_allocated, what=_("units are ready to ship"))
    line.quantity_allocated -= quantity
    line.quantity_shipped += quantity
    _save(line, ["quantity_allocated", "quantity_shipped"])
    _event(
        line,
        BackorderEventKind.SHIPPED,
        quantity=quantity,
        reason=reason[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    transaction.on_commit(
        lambda: signals.backorder_shipped.send(
            sender=type(line), backorder_line=line, quantity=quantity
        )
    )
    return line


@transaction.atomic
def cancel_units(
    backorder_line_id: int,
    quantity: int,
    *,
    actor: Any | None = None,
    reason: str,
    by_customer: bool = False,
) -> Any:
    """Cancel ``quantity`` open (waiting, then allocated) units of a backordered line.

    Gives their allocation back on the stock record (so freed stock can go to the next waiting
    line), appends an event and an order note, sends ``backorder_cancellation_recorded`` inside
    the transaction (so the payments side can record the release of the money atomically) and
    ``backorder_cancelled`` after commit. Shipped units cannot be cancelled.
    """
    # Lock order: stock record first, then the line, as restock allocation does
    # (oscar_backorders.allocation); the other way round two transactions could deadlock.
    BackorderLine = _models()[0]
    stockrecord_id = (
        BackorderLine._default_manager.filter(pk=backorder_line_id)
        .values_list("stockrecord_id", flat=True)
        .first()
    )
    stockrecords = lock_stockrecords([stockrecord_id]) if stockrecord_id else {}
    line = _lock_one(backorder_line_id)
    _check_quantity(quantity, most=line.quantity_open, what=_("units are not yet shipped"))
    if line.stockrecord_id:
        stockrecord = (
            stockrecords.get(line.stockrecord_id)
            or lock_stockrecords([line.stockrecord_id])[line.stockrecord_id]
        )
        stockrecord.cancel_allocation(quantity)
    from_waiting = min(quantity, line.quantity_waiting)
    from_allocated = quantity - from_waiting
    line.quantity_allocated -= from_allocated
    line.quantity_cancelled += quantity
    _save(line, ["quantity_allocated", "quantity_cancelled"])
    actor_or_none = actor if getattr(actor, "pk", None) else None
    _event(
        line,
        BackorderEventKind.CANCELLED,
        quantity=quantity,
        reason=reason[:255],
        actor=actor_or_none,
    )
    _order_note(
        line,
        (
            _("Customer cancelled %(quantity)d backordered unit(s) of %(title)s: %(reason)s")
            if by_customer
            else _("Cancelled %(quantity)d backordered unit(s) of %(title)s: %(reason)s")
        )
        % {"quantity": quantity, "title": line.line.title, "reason": reason},
        actor,
    )
    signals.backorder_cancellation_recorded.send(
        sender=type(line), backorder_line=line, quantity=quantity, actor=actor_or_none
    )
    transaction.on_commit(
        lambda: signals.backorder_cancelled.send(
            sender=type(line), backorder_line=line, quantity=quantity, actor=actor_or_none
        )
    )
    return line


__all__ = [
    "BackorderStateError",
    "allocate_units",
    "allocate_units_bulk",
    "cancel_units",
    "record_shipment",
    "set_estimate",
    "set_priority",
]
