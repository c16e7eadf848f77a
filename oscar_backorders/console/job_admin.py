"""The console's jobs in the admin: the progress page of a job and the JSON it polls.

A job's pages are the merchant's who started it: staff (the admin site's own check), the job's
user, and still holding the permission of the job's action; anyone else gets a 403, an unknown
job a 404. The list of jobs is read-only (a job changes only by running).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from oscar.core.loading import get_model

from oscar_backorders.console.jobs import progress
from oscar_backorders.console.permissions import AdminPermissionsMixin
from oscar_backorders.console.runners import SPECS

ConsoleJob = get_model("oscar_backorders", "ConsoleJob")


def visible_job(request: HttpRequest, pk: int) -> Any:
    """The job ``pk`` if this user may follow it; 404 for none, 403 for someone else's."""
    job = get_object_or_404(ConsoleJob, pk=pk)
    spec = SPECS.get(job.action)
    allowed = (
        request.user.is_active
        and request.user.is_staff
        and job.user_id == request.user.pk
        and spec is not None
        and request.user.has_perm(f"{job._meta.app_label}.{spec.permission}")
    )
    if not allowed:
        raise PermissionDenied
    return job


def per_object(view: Any) -> Any:
    """Mark a view whose permission depends on the object (the job's action and starter)."""
    view.permission_per_object = True
    return view


@admin.register(ConsoleJob)
class ConsoleJobAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = ("pk", "action", "user", "status", "done", "total", "date_created")
    list_filter = ("status", "action")
    readonly_fields = ("message",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/progress/",
                wrap(self.progress_view),
                name="oscar_backorders_consolejob_progress",
            ),
            path(
                "<int:pk>/progress.json",
                wrap(self.status_view),
                name="oscar_backorders_consolejob_status",
            ),
            *super().get_urls(),
        ]

    @per_object
    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The job's progress page (it polls :meth:`status_view`)."""
        job = visible_job(request, pk)
        queue = get_model("oscar_backorders", "BackorderLine")._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "queue_opts": queue,
            "title": SPECS[job.action].title,
            "job": job,
            "state": progress(job),
            "status_url": reverse("admin:oscar_backorders_consolejob_status", args=[job.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/oscar_backorders/consolejob/progress.html", context)

    @per_object
    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The job's progress as JSON: status, done, total, finished, message, refusals."""
        response = JsonResponse(progress(visible_job(request, pk)))
        response["Cache-Control"] = "no-store"
        return response
