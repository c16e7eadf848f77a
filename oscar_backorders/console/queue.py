"""The backorder queue in the admin: open lines first, the oldest and most urgent on top."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.console import actions
from oscar_backorders.console.columns import QueueColumns
from oscar_backorders.console.filters import (
    AuthorisationExpiringFilter,
    EstimateRangeFilter,
    OverdueFilter,
    QueuePaginator,
    QueueStatusFilter,
    SupplierFilter,
)
from oscar_backorders.console.payment_column import authorisations_prefetch
from oscar_backorders.console.permissions import AdminPermissionsMixin
from oscar_backorders.console.report_views import ReportViewsMixin
from oscar_backorders.console.risk import PromiseRiskColumns, PromiseRiskFilter

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")


class BackorderEventInline(admin.TabularInline):
    model = BackorderEvent
    extra = 0
    can_delete = False
    fields = ("date_created", "kind", "quantity", "old_date", "new_date", "reason", "actor_display")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("by"))
    def actor_display(self, obj: Any) -> str:
        # Oscar gives customers a random username; the email is what a merchant recognises.
        actor = obj.actor
        if actor is None:
            return "-"
        return actor.email or actor.get_username()


@admin.register(BackorderLine)
class BackorderLineAdmin(
    ReportViewsMixin, AdminPermissionsMixin, QueueColumns, PromiseRiskColumns, admin.ModelAdmin
):
    """The backorder queue: open lines first, the oldest and most urgent on top."""

    change_list_template = "admin/oscar_backorders/backorderline/change_list.html"
    # Dense enough for 1280 px; the rest is on the line's page (readonly_fields).
    list_display = QueueColumns.QUEUE_COLUMNS
    list_filter = (
        QueueStatusFilter,
        OverdueFilter,
        PromiseRiskFilter,
        EstimateRangeFilter,
        "line__partner",
        SupplierFilter,
        AuthorisationExpiringFilter,
        "is_preorder",
        "estimate_source",
    )
    # Searched by get_search_results (exact order number, email, SKU, UPC; words of the title).
    search_fields = ("order__number",)
    search_help_text = _("Order number, customer email, SKU or UPC (exact), or words of the title.")
    list_select_related = ("order__user", "line")
    list_per_page = 50
    paginator = QueuePaginator
    ordering = ("-priority", "date_created", "pk")
    actions = actions.ACTIONS
    inlines = [BackorderEventInline]
    readonly_fields = (
        "order",
        "customer_email",
        "line",
        "stockrecord",
        "quantity",
        "quantity_waiting_display",
        "quantity_allocated",
        "quantity_shipped",
        "quantity_cancelled",
        "status",
        "is_preorder",
        "promised_date",
        "promise_confidence",
        "estimated_date",
        "likely_date",
        "chance_of_missing",
        "told_date",
        "estimate_source",
        "priority",
        "payment_state_display",
        "line_price",
        "days_waiting",
        "date_created",
        "date_updated",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> Any:
        # Two extra queries per page for the payment column (sources, authorisations), never one
        # per row.
        return (
            super()
            .get_queryset(request)
            .prefetch_related("order__sources", authorisations_prefetch())
        )

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        """Exact order number, customer email, SKU or UPC; or a phrase of the product title.

        Matched in subqueries on the order and order line tables, so the queue is not joined to
        them row by row while searching (100k lines: one scan of each table).
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        Order = get_model("order", "Order")
        Line = get_model("order", "Line")
        if "@" in term:
            User = get_user_model()
            users = User._default_manager.filter(email__iexact=term)
            orders = Order._default_manager.filter(
                Q(guest_email__iexact=term) | Q(user_id__in=users.values("pk"))
            )
            return queryset.filter(order_id__in=orders.values("pk")), False
        lines = Line._default_manager.filter(
            Q(partner_sku=term) | Q(upc=term) | Q(title__icontains=term)
        )
        orders = Order._default_manager.filter(number=term)
        return (
            queryset.filter(
                Q(order_id__in=orders.values("pk")) | Q(line_id__in=lines.values("pk"))
            ),
            False,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created at checkout only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A line changes only through the queue's actions (each with its own permission and
        # reason), so its page is view-only: no Save buttons over fields nobody can edit. Without
        # an object (the queue) Django's own check stands.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail must survive

    # One has_<name>_permission per custom permission, as Django's admin actions expect.

    def _has(self, request: HttpRequest, codename: str) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_set_backorder_estimate_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "set_backorder_estimate")

    def has_change_backorder_priority_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "change_backorder_priority")

    def has_cancel_backorder_units_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "cancel_backorder_units")

    def has_allocate_backorder_stock_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "allocate_backorder_stock")

    def has_ship_backorder_units_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "ship_backorder_units")

    def has_view_backorder_reports_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "view_backorder_reports")
