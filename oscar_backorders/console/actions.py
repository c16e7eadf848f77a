"""Admin actions of the backorder queue: each confirmed on an intermediate page, then applied.

Every action follows the same path: the first POST (from the changelist's action menu) renders a
confirmation page with a form (reason, date, priority or quantity) and a one-time token
(:mod:`.submit_once`); the second POST spends the token (a replay of it changes nothing and says
"This action was already applied"), validates the form against *every* selected line, and only
if all of them accept the change runs the action's runner (:mod:`.runners`, which calls the
service functions) inside one transaction, so a refusal changes nothing. Each changed line gets
a Django ``LogEntry``; the services themselves append a ``BackorderEvent`` and, for merchant
changes, an Oscar order note.

Over more lines than ``BACKORDERS_CONSOLE_TASK_THRESHOLD`` the confirmed action runs as a console
job (:mod:`.jobs`): a Celery task applies the same runner batch by batch, and the merchant is
taken to a page that shows its progress and result (:mod:`.job_admin`).

Each action carries its own permission (``oscar_backorders.<codename>``, declared on the
``BackorderLine`` model); Django's admin does not offer, and refuses to run, an action whose
permission the user lacks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.console import jobs, submit_once
from oscar_backorders.console.runners import SPECS, ActionSpec, Outcome, load
from oscar_backorders.exceptions import BackorderError

CONFIRMATION_TEMPLATE = "admin/oscar_backorders/backorderline/action_confirmation.html"

#: Most lines one action may change at once, as a console job; "select all 600 000" is refused
#: with a message. (At most ``BACKORDERS_CONSOLE_TASK_THRESHOLD`` run while the merchant waits.)
MAX_LINES = 20_000

#: Lines listed on a confirmation page; the rest are counted.
SHOWN_LINES = 100

#: Action name → the permission codename (on ``BackorderLine``) that guards it.
ACTION_PERMISSIONS: dict[str, str] = {name: spec.permission for name, spec in SPECS.items()}


def _progress_url(job: Any) -> str:
    return reverse("admin:oscar_backorders_consolejob_progress", args=[job.pk])


def _apply_now(
    modeladmin: admin.ModelAdmin, request: HttpRequest, spec: ActionSpec, form: Any, lines: list
) -> Outcome:
    if spec.all_or_nothing:
        with transaction.atomic():
            outcome = spec.run(form, lines, request.user)
    else:
        outcome = spec.run(form, lines, request.user)
    for line, message in outcome.changed:
        modeladmin.log_change(request, line, message)
    if outcome.report:
        modeladmin.message_user(
            request, outcome.report, messages.SUCCESS if outcome.filled else messages.INFO
        )
    elif outcome.changed:
        modeladmin.message_user(
            request,
            ngettext(
                "%(title)s: %(count)d line changed.",
                "%(title)s: %(count)d lines changed.",
                len(outcome.changed),
            )
            % {"title": spec.title, "count": len(outcome.changed)},
            messages.SUCCESS,
        )
    if outcome.refusals:
        modeladmin.message_user(
            request,
            _("Not shipped: %(failures)s") % {"failures": "; ".join(outcome.refusals)},
            messages.ERROR,
        )
    return outcome


def _confirm_and_apply(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any, *, spec: ActionSpec
) -> HttpResponse | None:
    """Render the confirmation page, or spend its token, validate and apply the change to every
    selected line (now, or as a console job above the threshold)."""
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
    scope = f"queue:{spec.name}"
    as_job = len(lines) > backorder_settings.CONSOLE_TASK_THRESHOLD
    if "apply" in request.POST:
        form = spec.form_class(request.POST, lines=lines, today=today)
        try:
            submission = submit_once.claim(
                request.POST.get(submit_once.FIELD), user=request.user, scope=scope
            )
        except submit_once.AlreadyApplied as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
            if exc.submission.job_id:
                return HttpResponseRedirect(_progress_url(exc.submission.job))
            return None
        except submit_once.SubmitRefused as exc:
            form.is_valid()
            form.add_error(None, str(exc))
        else:
            if not form.is_valid():
                submit_once.release(submission)
            elif as_job:
                data = {name: request.POST.get(name, "") for name in form.fields}
                job = jobs.start_job(spec, lines=lines, form_data=data, user=request.user)
                submission.job = job
                submission.save(update_fields=["job"])
                return HttpResponseRedirect(_progress_url(job))
            else:
                try:
                    _apply_now(modeladmin, request, spec, form, lines)
                except BackorderError as exc:
                    submit_once.release(submission)
                    form.add_error(None, str(exc))
                else:
                    return None
    else:
        form = spec.form_class(lines=lines, today=today)
    preview = None
    if spec.name == "ship_and_capture" and not as_job:
        from oscar_backorders.console.ship_preview import preview_shipment

        valid = form.is_bound and not form.errors
        preview = preview_shipment(
            lines, form.quantity_for if valid else (lambda line: line.quantity_allocated)
        )
    shown = lines[:SHOWN_LINES]
    if preview is not None:
        for line in shown:
            line.capture_amount = preview.line_amounts.get(line.pk)
    select_across = request.POST.get("select_across", "0")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": spec.title,
        "opts": modeladmin.model._meta,
        "lines": shown,
        "line_count": len(lines),
        "more_lines": max(len(lines) - SHOWN_LINES, 0),
        # With "select all" the changelist's filters choose the lines; one id says "selected".
        "selected_ids": [lines[0].pk] if select_across == "1" and lines else [x.pk for x in lines],
        "form": form,
        "action": spec.name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": select_across,
        "token_field": submit_once.FIELD,
        "token": submit_once.issue(request.user, scope),
        "as_job": as_job,
        "batch_lines": jobs.BATCH_LINES,
        "preview": preview,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)


def _not_installed(modeladmin: Any, request: HttpRequest, what: str) -> None:
    modeladmin.message_user(
        request,
        _("%(what)s is not installed in this shop, so nothing was done.") % {"what": what},
        messages.ERROR,
    )


@admin.action(
    permissions=["set_backorder_estimate"],
    description=gettext_lazy("Set or shift the estimated ship date…"),
)
def set_estimate(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    return _confirm_and_apply(modeladmin, request, queryset, spec=SPECS["set_estimate"])


@admin.action(
    permissions=["change_backorder_priority"],
    description=gettext_lazy("Change priority…"),
)
def change_priority(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    return _confirm_and_apply(modeladmin, request, queryset, spec=SPECS["change_priority"])


@admin.action(
    permissions=["cancel_backorder_units"],
    description=gettext_lazy("Cancel waiting units…"),
)
def cancel_waiting(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    return _confirm_and_apply(modeladmin, request, queryset, spec=SPECS["cancel_waiting"])


@admin.action(
    permissions=["allocate_backorder_stock"],
    description=gettext_lazy("Allocate free stock now…"),
)
def allocate_now(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    if load("oscar_backorders.allocation", "allocate_free_stock") is None:
        _not_installed(modeladmin, request, _("Restock allocation"))
        return None
    return _confirm_and_apply(modeladmin, request, queryset, spec=SPECS["allocate_now"])


@admin.action(
    permissions=["ship_backorder_units"],
    description=gettext_lazy("Ship and capture payment…"),
)
def ship_and_capture(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
    if load("oscar_backorders.payments.shipping", "ship") is None:
        _not_installed(modeladmin, request, _("Shipping with payment capture"))
        return None
    return _confirm_and_apply(modeladmin, request, queryset, spec=SPECS["ship_and_capture"])


ACTIONS = [set_estimate, change_priority, cancel_waiting, allocate_now, ship_and_capture]
