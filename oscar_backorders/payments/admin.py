"""Django admin for the payments side: where the merchant sees held shipments and retries them.

Imported by :mod:`oscar_backorders.admin`. Records are read-only (money records change only
through the payments services); actions call those services, each behind its own permission, and
write a ``LogEntry`` for every record they act on.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from oscar_backorders.console.permissions import AdminPermissionsMixin
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.release import execute_release
from oscar_backorders.payments.retries import abandon_capture

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
ProviderEvent = get_model("oscar_backorders", "ProviderEvent")


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaptureInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentCapture
    fk_name = "authorisation"
    extra = 0
    fields = ("sequence", "amount", "status", "attempts", "last_error", "reference")
    readonly_fields = fields


class ReleaseInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentRelease
    fk_name = "authorisation"
    extra = 0
    fields = ("quantity", "amount", "kind", "status", "last_error", "reference")
    readonly_fields = fields


class LedgerInline(ReadOnlyMixin, admin.TabularInline):
    """The authorisation's money movements, as recorded (append-only)."""

    model = PaymentLedgerEntry
    fk_name = "authorisation"
    extra = 0
    fields = ("date_created", "kind", "amount", "reference", "idempotency_key", "note")
    readonly_fields = fields


@admin.register(PaymentAuthorisation)
class PaymentAuthorisationAdmin(AdminPermissionsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "order",
        "gateway",
        "reference",
        "amount",
        "amount_captured",
        "amount_released",
        "status",
        "expires_at",
    )
    list_filter = ("status", "gateway")
    search_fields = ("order__number", "reference")
    date_hierarchy = "date_created"
    list_select_related = ("order",)
    inlines = [LedgerInline, CaptureInline, ReleaseInline]


@admin.register(PaymentCapture)
class PaymentCaptureAdmin(AdminPermissionsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "order",
        "sequence",
        "amount",
        "currency",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status",)
    search_fields = ("order__number", "idempotency_key", "reference")
    list_select_related = ("order",)
    actions = ["retry_now", "abandon"]

    def has_retry_capture_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("oscar_backorders.retry_payment_capture")

    def has_abandon_capture_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("oscar_backorders.abandon_payment_capture")

    @admin.action(description=_("Retry the capture now"), permissions=["retry_capture"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for capture in queryset.exclude(status__in=["captured", "abandoned"]):
            try:
                done += settle_capture(capture.pk).shipped
            except BackorderError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            capture.refresh_from_db()
            self.log_change(
                request,
                capture,
                _("Capture retried: %(status)s") % {"status": capture.get_status_display()},
            )
        self.message_user(
            request,
            ngettext("%(n)d shipment captured.", "%(n)d shipments captured.", done) % {"n": done},
        )

    @admin.action(
        description=_("Abandon the held shipment (its units can ship again)"),
        permissions=["abandon_capture"],
    )
    def abandon(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = _("abandoned in the admin")
        for capture in queryset:
            try:
                abandon_capture(capture.pk, actor=request.user, reason=reason)
            except BackorderError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.log_change(request, capture, reason)


@admin.register(PaymentRelease)
class PaymentReleaseAdmin(AdminPermissionsMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("order", "backorder_line", "quantity", "amount", "kind", "status", "attempts")
    list_filter = ("status", "kind")
    search_fields = ("order__number", "idempotency_key")
    list_select_related = ("order", "backorder_line")
    actions = ["retry_now"]

    def has_retry_release_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("oscar_backorders.retry_payment_release")

    @admin.action(description=_("Retry the release now"), permissions=["retry_release"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        for release in queryset.exclude(status="done"):
            try:
                execute_release(release.pk)
            except BackorderError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            release.refresh_from_db()
            self.log_change(
                request,
                release,
                _("Release retried: %(status)s") % {"status": release.get_status_display()},
            )


@admin.register(ProviderEvent)
class ProviderEventAdmin(AdminPermissionsMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Every webhook event the provider sent; filter on *Differs from the ledger* for captures
    or refunds made outside the shop."""

    list_display = ("created", "type", "outcome", "order", "reference", "amount", "received")
    list_filter = ("outcome", "type", "provider")
    search_fields = ("event_id", "reference", "order__number")
    date_hierarchy = "created"
    list_select_related = ("order",)
    readonly_fields = (
        "provider",
        "event_id",
        "type",
        "created",
        "received",
        "processed",
        "reference",
        "authorisation",
        "order",
        "outcome",
        "amount",
        "detail",
    )
