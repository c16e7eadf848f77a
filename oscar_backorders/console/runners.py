"""What each queue action does to a list of lines, once its confirmation form is valid.

A runner takes the valid form, the lines and the acting user, calls the service functions and
returns an :class:`Outcome`: the lines it changed (each with its ``LogEntry`` message), what it
did in numbers, and what was refused. The admin action runs it over the whole selection while
the merchant waits; a console job (:mod:`.jobs`) runs the same runner batch by batch. No
runner takes a request.

"Allocate now" and "ship and capture" load :func:`oscar_backorders.allocation.allocate_free_stock`
and :func:`oscar_backorders.payments.shipping.ship` when they run, so the console works (and says
so) in an installation without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.console.action_forms import (
    AllocateForm,
    CancelForm,
    EstimateForm,
    LinesActionForm,
    PriorityForm,
    ShipForm,
)
from oscar_backorders.exceptions import BackorderError


class NotInstalled(BackorderError):
    """The part of the plugin an action needs is not installed in this shop."""


@dataclass(slots=True)
class Outcome:
    changed: list[tuple[Any, str]] = field(default_factory=list)  # (line, LogEntry message)
    units: int = 0  # units of free stock allocated
    filled: set[int] = field(default_factory=set)  # ids of lines that received stock
    ready: set[int] = field(default_factory=set)  # ids of those now ready to ship
    others: int = 0  # lines that received stock without being selected
    waiting: int = 0  # units the allocated stock records' lines waited for before
    refusals: list[str] = field(default_factory=list)
    #: What the merchant is told instead of "N lines changed" (allocation), or "".
    report: str = ""


def load(module: str, name: str) -> Callable[..., Any] | None:
    """The function ``name`` of ``module``, or None when that part of the plugin is absent."""
    try:
        return getattr(import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    except AttributeError:
        return None


def _needs(module: str, name: str, what: Promise) -> Callable[..., Any]:
    function = load(module, name)
    if function is None:
        raise NotInstalled(
            _("%(what)s is not installed in this shop, so nothing was done.") % {"what": what}
        )
    return function


def run_set_estimate(form: Any, lines: list[Any], actor: Any) -> Outcome:
    outcome = Outcome()
    reason = form.cleaned_data["reason"]
    for line in lines:
        new_date = form.new_date_for(line)
        if new_date == line.estimated_date:
            continue
        services.set_estimate(line.pk, new_date, reason=reason, actor=actor)
        outcome.changed.append(
            (
                line,
                _("Estimate %(old)s → %(new)s: %(reason)s")
                % {"old": line.estimated_date, "new": new_date, "reason": reason},
            )
        )
    return outcome


def run_change_priority(form: Any, lines: list[Any], actor: Any) -> Outcome:
    outcome = Outcome()
    priority, reason = form.cleaned_data["priority"], form.cleaned_data["reason"]
    for line in lines:
        if line.priority == priority:
            continue
        services.set_priority(line.pk, priority, actor=actor, reason=reason)
        message = _("Priority %(old)d → %(new)d") % {"old": line.priority, "new": priority}
        outcome.changed.append((line, f"{message}: {reason}" if reason else message))
    return outcome


def run_cancel_waiting(form: Any, lines: list[Any], actor: Any) -> Outcome:
    outcome = Outcome()
    reason = form.cleaned_data["reason"]
    for line in lines:
        quantity = form.quantity_for(line)
        services.cancel_units(line.pk, quantity, actor=actor, reason=reason)
        outcome.changed.append(
            (
                line,
                _("Cancelled %(quantity)d waiting unit(s): %(reason)s")
                % {"quantity": quantity, "reason": reason},
            )
        )
    return outcome


ALLOCATE_TITLE = gettext_lazy("Allocate free stock now")


def allocation_report(*, units: int, filled: int, ready: int, others: int, waiting: bool) -> str:
    """What "Allocate free stock now" did, in the merchant's words: the units allocated, the
    lines that received them (and how many were not selected), the lines now ready to ship, or
    why there was nothing to do."""
    title = str(ALLOCATE_TITLE)
    if not filled:
        if not waiting:
            reason = _("none of the selected lines is waiting for stock.")
        else:
            reason = _("there is no free stock for the products of the selected lines.")
        return _("%(title)s: nothing to do, %(reason)s") % {"title": title, "reason": reason}
    parts = [
        ngettext(
            "%(title)s: allocated %(count)d unit of free stock.",
            "%(title)s: allocated %(count)d units of free stock.",
            units,
        )
        % {"title": title, "count": units},
        ngettext("%(count)d line received stock.", "%(count)d lines received stock.", filled)
        % {"count": filled},
    ]
    if others:
        parts.append(
            ngettext(
                "%(count)d of them was not selected: it comes first in the allocation order.",
                "%(count)d of them were not selected: they come first in the allocation order.",
                others,
            )
            % {"count": others}
        )
    if ready:
        parts.append(
            ngettext(
                "%(count)d line is now ready to ship.",
                "%(count)d lines are now ready to ship.",
                ready,
            )
            % {"count": ready}
        )
    else:
        parts.append(_("No line is ready to ship yet: each still waits for more units."))
    return " ".join(parts)


def run_allocate_now(form: Any, lines: list[Any], actor: Any) -> Outcome:
    allocate_free_stock = _needs(
        "oscar_backorders.allocation", "allocate_free_stock", gettext_lazy("Restock allocation")
    )
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    reason = form.cleaned_data["reason"]
    stockrecord_ids = sorted({line.stockrecord_id for line in lines})
    result = allocate_free_stock(stockrecord_ids, reason=reason, actor=actor)
    # Free stock goes to the waiting lines of these stock records in priority order, so a
    # line that was not selected may take it first: report and log the lines that got units.
    units: dict[int, int] = {}
    for allocation in result.allocations:
        units[allocation.backorder_line_id] = (
            units.get(allocation.backorder_line_id, 0) + allocation.quantity
        )
    filled = list(
        BackorderLine._default_manager.filter(pk__in=list(units))
        .select_related("order")
        .order_by("pk")
    )
    selected = {line.pk for line in lines}
    outcome = Outcome(
        units=result.units,
        others=sum(1 for line in filled if line.pk not in selected),
        waiting=sum(result.waiting_before.values()),
        filled={line.pk for line in filled},
        ready={line.pk for line in filled if line.quantity_waiting == 0},
    )
    outcome.report = allocation_report(
        units=result.units,
        filled=len(filled),
        ready=len(outcome.ready),
        others=outcome.others,
        waiting=bool(outcome.waiting),
    )
    message = _("Allocated %(quantity)d unit(s) of free stock: %(reason)s")
    outcome.changed = [
        (line, message % {"quantity": units[line.pk], "reason": reason}) for line in filled
    ]
    return outcome


def run_ship_and_capture(form: Any, lines: list[Any], actor: Any) -> Outcome:
    ship = _needs(
        "oscar_backorders.payments.shipping",
        "ship",
        gettext_lazy("Shipping with payment capture"),
    )
    # One shipment (and capture) per order. Each order commits on its own: money captured
    # for one order must not be "undone" in our database because another order failed.
    by_order: dict[int, list[Any]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    outcome = Outcome()
    reason = form.cleaned_data.get("reason") or ""
    for order_lines in by_order.values():
        quantities = {line.line_id: form.quantity_for(line) for line in order_lines}
        try:
            with transaction.atomic():
                ship(order_lines[0].order_id, quantities, actor=actor, reason=reason)
        except (BackorderError, ValueError) as exc:
            outcome.refusals.append(f"{order_lines[0].order.number}: {exc}")
            continue
        outcome.changed.extend(
            (line, _("Shipped %(quantity)d unit(s)") % {"quantity": quantities[line.line_id]})
            for line in order_lines
        )
    return outcome


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A queue action: its form, its runner and how it may be cut into a job's batches."""

    name: str
    permission: str  # codename on BackorderLine
    title: Promise
    form_class: type[LinesActionForm]
    run: Callable[[Any, list[Any], Any], Outcome]
    #: One transaction around the whole run, so a refusal by a service undoes all of it.
    all_or_nothing: bool = True
    #: Lines with the same key stay in one batch (an order ships whole; a stock record's free
    #: units go out in priority order in one allocation).
    batch_key: Callable[[Any], Any] | None = None


SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            "set_estimate",
            "set_backorder_estimate",
            gettext_lazy("Set or shift the estimated ship date"),
            EstimateForm,
            run_set_estimate,
        ),
        ActionSpec(
            "change_priority",
            "change_backorder_priority",
            gettext_lazy("Change priority"),
            PriorityForm,
            run_change_priority,
        ),
        ActionSpec(
            "cancel_waiting",
            "cancel_backorder_units",
            gettext_lazy("Cancel waiting units"),
            CancelForm,
            run_cancel_waiting,
        ),
        ActionSpec(
            "allocate_now",
            "allocate_backorder_stock",
            ALLOCATE_TITLE,
            AllocateForm,
            run_allocate_now,
            batch_key=lambda line: line.stockrecord_id,
        ),
        ActionSpec(
            "ship_and_capture",
            "ship_backorder_units",
            gettext_lazy("Ship and capture payment"),
            ShipForm,
            run_ship_and_capture,
            all_or_nothing=False,
            batch_key=lambda line: line.order_id,
        ),
    )
}
