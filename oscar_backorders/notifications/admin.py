"""Django admin of the notifications: the notice log (with a retry action), preferences, delays.

Retrying a failed notice sends nothing itself (the dispatcher does, once): it needs the notice's
change permission and leaves a ``LogEntry`` on each notice put back in the queue.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from oscar_backorders.console.permissions import AdminPermissionsMixin
from oscar_backorders.notifications.abstract_models import NoticeStatus

Notice = get_model("oscar_backorders", "Notice")
NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
DelayConsent = get_model("oscar_backorders", "DelayConsent")
NoticeEvent = get_model("oscar_backorders", "NoticeEvent")


@admin.register(Notice)
class NoticeAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "scope",
        "version",
        "recipient",
        "status",
        "attempts",
        "resends",
        "date_sent",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient", "scope", "order__number")
    date_hierarchy = "date_created"
    raw_id_fields = ("order",)
    actions = ["retry_now"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed notices now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for notice in queryset.filter(status=NoticeStatus.FAILED).order_by("pk"):
            # One UPDATE per notice, still filtered on its status: a notice the dispatcher took
            # meanwhile is left alone, and only the notices reset are logged.
            if self.model._default_manager.filter(pk=notice.pk, status=NoticeStatus.FAILED).update(
                status=NoticeStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
            ):
                self.log_change(request, notice, _("Put back in the queue to be sent again."))
                count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d notice will be retried.", "%(count)d notices will be retried.", count
            )
            % {"count": count},
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = ("email", "follow_ups", "language", "date_updated")
    list_filter = ("follow_ups", "language")
    search_fields = ("email",)
    raw_id_fields = ("user",)


@admin.register(DelayConsent)
class DelayConsentAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = (
        "backorder_line",
        "revised_date",
        "rule",
        "consent_required",
        "deadline",
        "decision",
    )
    list_filter = ("decision", "rule", "consent_required")
    raw_id_fields = ("backorder_line",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(NoticeEvent)
class NoticeEventAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = ("kind", "order", "stockrecord", "amount", "date_created")
    list_filter = ("kind",)
    raw_id_fields = ("order", "stockrecord")
