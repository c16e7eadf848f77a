"""Admin actions of the backorder queue: each confirmed on an intermediate page, then applied.

Every action follows the same path: the first POST (from the changelist's action menu) renders a
confirmation page with a form (reason, date, priority or quantity); the second POST validates the
form against *every* selected line, and only if all of them accept the change calls the service
functions (:mod:`oscar_backorders.services`, or the allocation and shipping modules) inside one
transaction, so a refusal changes nothing. Each changed line gets a Django ``LogEntry``; the
services themselves append a ``BackorderEvent`` and, for merchant changes, an Oscar order note.

Each action carries its own permission (``oscar_backorders.<codename>``, declared on the
``BackorderLine`` model); Django's admin does not offer, and refuses to run, an action whose
permission the user lacks.

"Allocate now" and "ship and capture" call :func:`oscar_backorders.allocation.allocate_free_stock`
and :func:`oscar_backorders.payments.shipping.ship`. They are imported when the action runs, so the
console works (and says so clearly) in an installation without them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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

CONFIRMATION_TEMPLATE = "admin/oscar_backorders/backorderline/action_confirmation.html"

#: Most lines one action may change at once (each is locked and audited one by one, and all are
#: listed on the confirmation page); "select all 60 000" is refused with a message.
MAX_LINES = 500

#: Action name → the permission codename (on ``BackorderLine``) that guards it.
ACTION_PERMISSIONS: dict[str, str] = {
    "set_estimate": "set_backorder_estimate",
    "change_priority": "change_backorder_priority",
    "cancel_waiting": "cancel_backorder_units",
    "allocate_now": "allocate_backorder_stock",
    "ship_and_capture": "ship_backorder_units",
}


def _load(module: str, name: str) -> Callable[..., Any] | None:
    """The function ``name`` of ``module``, or None when that part of the plugin is absent."""
    try:
        return getattr(import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    except AttributeError:
        return None


def _confirm_and_apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Any,
    *,
    action: str,
    title: str,
    form_class: type[LinesActionForm],
    apply: Callable[[LinesActionForm, list[Any]], list[tuple[Any, str]]],
    all_or_nothing: bool = True,
    reports_itself: bool = False,
) -> HttpResponse | None:
    """Render the confirmation page, or validate and apply the change to every selected line.

    ``apply`` returns ``(line, message)`` for each changed line (for the ``LogEntry``). With
    ``all_or_nothing`` one transaction wraps every change, so a refusal by a service undoes all.
    With ``reports_itself`` ``apply`` tells the merchant what happened and no "N lines changed"
    summary is added (an action whose result is not one change per selected line).
    """
    count = queryset.count()
    if count > MAX_LINES:
        modeladmin.message_user(
            request,
            _(
                "%(count)d lines are selected; an action changes at most %(most)d at once. "
                "Narrow the selection with the filters."
            )
            % {"count": count, "most": MAX_LINES},
            messages.ERROR,
        )
        return None
    lines = list(queryset.select_related("order__user", "line").order_by("pk"))
    today = timezone.localdate()
    if "apply" in request.POST:
        form = form_class(request.POST, lines=lines, today=today)
        if form.is_valid():
            try:
                if all_or_nothing:
                    with transaction.atomic():
                        changed = apply(form, lines)
                else:
                    changed = apply(form, lines)
            except BackorderError as exc:
                form.add_error(None, str(exc))
            else:
                for line, message in changed:
                    modeladmin.log_change(request, line, message)
                if changed and not reports_itself:
                    modeladmin.message_user(
                        request,
                        ngettext(
                            "%(title)s: %(count)d line changed.",
                            "%(title)s: %(count)d lines changed.",
                            len(changed),
                        )
                        % {"title": title, "count": len(changed)},
                        messages.SUCCESS,
                    )
                return None
    else:
        form = form_class(lines=lines, today=today)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "lines": lines,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)


@admin.action(
    permissions=["set_backorder_estimate"],
    description=gettext_lazy("Set or shift the estimated ship date…"),
)
def set_estimate(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    def apply(form: Any, lines: list[Any]) -> list[tuple[Any, str]]:
        changed = []
        reason = form.cleaned_data["reason"]
        for line in lines:
            new_date = form.new_date_for(line)
            if new_date == line.estimated_date:
                continue
            services.set_estimate(line.pk, new_date, reason=reason, actor=request.user)
            changed.append(
                (
                    line,
                    _("Estimate %(old)s → %(new)s: %(reason)s")
                    % {"old": line.estimated_date, "new": new_date, "reason": reason},
                )
            )
        return changed

    return _confirm_and_apply(
        modeladmin,
        request,
        queryset,
        action="set_estimate",
        title=_("Set or shift the estimated ship date"),
        form_class=EstimateForm,
        apply=apply,
    )


@admin.action(
    permissions=["change_backorder_priority"],
    description=gettext_lazy("Change priority…"),
)
def change_priority(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    def apply(form: Any, lines: list[Any]) -> list[tuple[Any, str]]:
        priority, reason = form.cleaned_data["priority"], form.cleaned_data["reason"]
        changed = []
        for line in lines:
            if line.priority == priority:
                continue
            services.set_priority(line.pk, priority, actor=request.user, reason=reason)
            message = _("Priority %(old)d → %(new)d") % {"old": line.priority, "new": priority}
            changed.append((line, f"{message}: {reason}" if reason else message))
        return changed

    return _confirm_and_apply(
        modeladmin,
        request,
        queryset,
        action="change_priority",
        title=_("Change priority"),
        form_class=PriorityForm,
        apply=apply,
    )


@admin.action(
    permissions=["cancel_backorder_units"],
    description=gettext_lazy("Cancel waiting units…"),
)
def cancel_waiting(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    def apply(form: Any, lines: list[Any]) -> list[tuple[Any, str]]:
        reason = form.cleaned_data["reason"]
        changed = []
        for line in lines:
            quantity = form.quantity_for(line)
            services.cancel_units(line.pk, quantity, actor=request.user, reason=reason)
            changed.append(
                (
                    line,
                    _("Cancelled %(quantity)d waiting unit(s): %(reason)s")
                    % {"quantity": quantity, "reason": reason},
                )
            )
        return changed

    return _confirm_and_apply(
        modeladmin,
        request,
        queryset,
        action="cancel_waiting",
        title=_("Cancel waiting units"),
        form_class=CancelForm,
        apply=apply,
    )


def _not_installed(modeladmin: Any, request: HttpRequest, what: str) -> None:
    modeladmin.message_user(
        request,
        _("%(what)s is not installed in this shop, so nothing was done.") % {"what": what},
        messages.ERROR,
    )


def _allocation_report(result: Any, filled: list[Any], *, selected: set[int]) -> str:
    """What "Allocate free stock now" did, in the merchant's words: the units allocated, the
    lines that received them (and how many were not selected), the lines now ready to ship, or
    why there was nothing to do."""
    title = _("Allocate free stock now")
    if not filled:
        if not sum(result.waiting_before.values()):
            reason = _("none of the selected lines is waiting for stock.")
        else:
            reason = _("there is no free stock for the products of the selected lines.")
        return _("%(title)s: nothing to do, %(reason)s") % {"title": title, "reason": reason}
    ready = sum(1 for line in filled if line.quantity_waiting == 0)
    others = sum(1 for line in filled if line.pk not in selected)
    parts = [
        ngettext(
            "%(title)s: allocated %(count)d unit of free stock.",
            "%(title)s: allocated %(count)d units of free stock.",
            result.units,
        )
        % {"title": title, "count": result.units},
        ngettext("%(count)d line received stock.", "%(count)d lines received stock.", len(filled))
        % {"count": len(filled)},
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


@admin.action(
    permissions=["allocate_backorder_stock"],
    description=gettext_lazy("Allocate free stock now…"),
)
def allocate_now(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    allocate_free_stock = _load("oscar_backorders.allocation", "allocate_free_stock")
    if allocate_free_stock is None:
        _not_installed(modeladmin, request, _("Restock allocation"))
        return None

    def apply(form: Any, lines: list[Any]) -> list[tuple[Any, str]]:
        reason = form.cleaned_data["reason"]
        stockrecord_ids = sorted({line.stockrecord_id for line in lines})
        result = allocate_free_stock(stockrecord_ids, reason=reason, actor=request.user)
        # Free stock goes to the waiting lines of these stock records in priority order, so a
        # line that was not selected may take it first: report and log the lines that got units.
        units: dict[int, int] = {}
        for allocation in result.allocations:
            units[allocation.backorder_line_id] = (
                units.get(allocation.backorder_line_id, 0) + allocation.quantity
            )
        filled = list(
            modeladmin.model._default_manager.filter(pk__in=list(units))
            .select_related("order")
            .order_by("pk")
        )
        modeladmin.message_user(
            request,
            _allocation_report(result, filled, selected={line.pk for line in lines}),
            messages.SUCCESS if filled else messages.INFO,
        )
        message = _("Allocated %(quantity)d unit(s) of free stock: %(reason)s")
        return [(line, message % {"quantity": units[line.pk], "reason": reason}) for line in filled]

    return _confirm_and_apply(
        modeladmin,
        request,
        queryset,
        action="allocate_now",
        title=_("Allocate free stock now"),
        form_class=AllocateForm,
        apply=apply,
        reports_itself=True,
    )


@admin.action(
    permissions=["ship_backorder_units"],
    description=gettext_lazy("Ship and capture payment…"),
)
def ship_and_capture(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    ship = _load("oscar_backorders.payments.shipping", "ship")
    if ship is None:
        _not_installed(modeladmin, request, _("Shipping with payment capture"))
        return None

    def apply(form: Any, lines: list[Any]) -> list[tuple[Any, str]]:
        # One shipment (and capture) per order. Each order commits on its own: money captured
        # for one order must not be "undone" in our database because another order failed.
        by_order: dict[int, list[Any]] = {}
        for line in lines:
            by_order.setdefault(line.order_id, []).append(line)
        changed, failures = [], []
        for order_id, order_lines in by_order.items():
            quantities = {line.line_id: form.quantity_for(line) for line in order_lines}
            try:
                with transaction.atomic():
                    ship(order_id, quantities, actor=request.user)
            except (BackorderError, ValueError) as exc:
                failures.append(f"{order_lines[0].order.number}: {exc}")
                continue
            changed.extend(
                (line, _("Shipped %(quantity)d unit(s)") % {"quantity": quantities[line.line_id]})
                for line in order_lines
            )
        if failures:
            modeladmin.message_user(
                request,
                _("Not shipped: %(failures)s") % {"failures": "; ".join(failures)},
                messages.ERROR,
            )
        return changed

    return _confirm_and_apply(
        modeladmin,
        request,
        queryset,
        action="ship_and_capture",
        title=_("Ship and capture payment"),
        form_class=ShipForm,
        apply=apply,
        all_or_nothing=False,
    )


ACTIONS = [set_estimate, change_priority, cancel_waiting, allocate_now, ship_and_capture]
