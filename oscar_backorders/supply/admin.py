"""Django admin for supply: suppliers, purchase orders (receive, CSV import), reorder points and
the restock allocation preview. Views only call the supply services.

Receiving a purchase-order line puts units on the shelf and allocates them to waiting lines, so it
needs ``allocate_backorder_stock`` besides the line's change permission, as does re-running the
allocation; each change is logged (``LogEntry``). A supplier's confirmed arrival date is edited on
the line (inline or alone), which needs the line's change permission like its expected date; the
form checks it as :mod:`~oscar_backorders.supply.confirmations` does, and the save goes through
that module's service, never the model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from oscar_backorders.allocation import allocate_free_stock
from oscar_backorders.console import submit_once
from oscar_backorders.console.permissions import AdminPermissionsMixin, requires
from oscar_backorders.estimates.service import recompute
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.supply.admin_columns import PurchaseOrderLineColumns
from oscar_backorders.supply.admin_support import (
    apply_confirmation,
    hold_confirmation,
    receipt_message,
)
from oscar_backorders.supply.forms import ImportForm, PurchaseOrderLineForm, ReceiveForm
from oscar_backorders.supply.imports import (
    PurchaseOrderImportRefused,
    import_purchase_orders,
    sample_csv,
)
from oscar_backorders.supply.receiving import receive_line
from oscar_backorders.supply.reorder import reorder_advice

Supplier = get_model("oscar_backorders", "Supplier")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")


class SupplierStockRecordInline(admin.TabularInline):
    model = SupplierStockRecord
    extra = 0
    autocomplete_fields = ("stockrecord",)
    fields = (
        "stockrecord",
        "supplier_sku",
        "lead_time_days",
        "is_preferred",
        "order_cost",
        "holding_cost",
    )


@admin.register(Supplier)
class SupplierAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = ("name", "code", "email", "lead_time_days", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "email")
    prepopulated_fields = {"code": ("name",)}
    inlines = [SupplierStockRecordInline]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    form = PurchaseOrderLineForm
    extra = 1
    autocomplete_fields = ("stockrecord",)
    fields = (
        "stockrecord",
        "quantity",
        "expected_date",
        "confirmed_date",
        "quantity_received",
        "status",
    )
    readonly_fields = ("quantity_received", "status")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = ("reference", "supplier", "status", "date_created")
    list_filter = ("status", "supplier")
    search_fields = ("reference", "supplier__name", "lines__stockrecord__partner_sku")
    inlines = [PurchaseOrderLineInline]
    readonly_fields = ("created_by", "date_created", "date_updated")
    change_list_template = "oscar_backorders/admin/supply/purchaseorder_change_list.html"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not PurchaseOrderLine:
            return super().save_formset(request, form, formset, change)
        held = []
        for line_form in formset.forms:
            changed, day = hold_confirmation(line_form)
            if changed and line_form not in formset.deleted_forms:
                held.append((line_form, day))
        super().save_formset(request, form, formset, change)
        for line_form, day in held:
            if line_form.instance.pk:
                apply_confirmation(request, line_form.instance, day)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="oscar_backorders_purchaseorder_import"),
            path(
                "import/sample.csv",
                wrap(self.import_sample_view),
                name="oscar_backorders_purchaseorder_import_sample",
            ),
            path(
                "reorder-points/",
                wrap(self.reorder_view),
                name="oscar_backorders_purchaseorder_reorder",
            ),
            path(
                "allocation/<int:stockrecord_id>/",
                wrap(self.allocation_view),
                name="oscar_backorders_purchaseorder_allocation",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_import": self.may_use(request, self.import_view),
            "can_reorder": self.may_use(request, self.reorder_view),
        }
        return super().changelist_view(request, extra_context)

    @requires("add_purchaseorder", "add_purchaseorderline")
    def import_view(self, request: HttpRequest) -> HttpResponse:
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                # A check (dry run) changes nothing; an import applies once.
                claimed = None if dry_run else submit_once.claim_post(request, "supply:import")
                report = import_purchase_orders(
                    form.cleaned_data["file"].read(), dry_run=dry_run, actor=request.user
                )
            except submit_once.AlreadyApplied as exc:
                messages.warning(request, str(exc))
                return HttpResponseRedirect(
                    reverse("admin:oscar_backorders_purchaseorder_changelist")
                )
            except submit_once.SubmitRefused as exc:
                messages.error(request, str(exc))
            except PurchaseOrderImportRefused as exc:
                if claimed is not None:
                    submit_once.release(claimed)
                report = exc.report
                messages.error(request, str(exc))
            else:
                for order in report.created:
                    self.log_addition(request, order, _("Imported from CSV"))
                if not dry_run:
                    messages.success(
                        request,
                        _("Imported %(count)d purchase order(s).") % {"count": len(report.created)},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:oscar_backorders_purchaseorder_changelist")
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import purchase orders"),
            "form": form,
            "report": report,
            **submit_once.page_context(request.user, "supply:import"),
        }
        return TemplateResponse(request, "oscar_backorders/admin/supply/import.html", context)

    @requires("add_purchaseorder", "add_purchaseorderline")
    def import_sample_view(self, request: HttpRequest) -> HttpResponse:
        """A CSV file to start from, with every column the import reads."""
        response = HttpResponse(
            sample_csv(timezone.localdate()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="purchase-orders-sample.csv"'
        return response

    @requires("view_purchaseorder")
    def reorder_view(self, request: HttpRequest) -> HttpResponse:
        show_all = request.GET.get("all") == "1"
        rows = [a for a in reorder_advice() if show_all or (a.reached and a.reorder_point > 0)]
        # The backtest costs a few forecasts per record: only for the records shown.
        rows = reorder_advice([a.stockrecord_id for a in rows], with_backtest=True) if rows else []
        records = StockRecord._default_manager.select_related("product", "partner").in_bulk(
            [a.stockrecord_id for a in rows]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reorder points"),
            "rows": [(records[a.stockrecord_id], a) for a in rows],
            "show_all": show_all,
            "can_allocate": self.may_use(request, self.allocation_view),
        }
        return TemplateResponse(request, "oscar_backorders/admin/supply/reorder.html", context)

    @requires("allocate_backorder_stock")
    def allocation_view(self, request: HttpRequest, stockrecord_id: int) -> HttpResponse:
        """Preview ("what would happen") and, on POST, run restock allocation for one record."""
        record = get_object_or_404(StockRecord, pk=stockrecord_id)
        scope = f"supply:allocate:{record.pk}"
        if request.method == "POST":
            try:
                submit_once.claim_post(request, scope)
            except submit_once.SubmitRefused as exc:
                messages.warning(request, str(exc))
                return HttpResponseRedirect(request.path)
            reason = _("re-run in the admin")
            result = allocate_free_stock([record.pk], reason=reason, actor=request.user)
            recompute([record.pk], reason=reason)
            allocated = BackorderLine._default_manager.in_bulk(
                [a.backorder_line_id for a in result.allocations]
            )
            message = _("Allocated free stock of stock record %(id)s: %(reason)s")
            for line in allocated.values():
                self.log_change(request, line, message % {"id": record.pk, "reason": reason})
            messages.success(
                request,
                _("Allocated %(units)d unit(s) to %(lines)d line(s).")
                % {"units": result.units, "lines": len(result.allocations)},
            )
            return HttpResponseRedirect(request.path)
        preview = allocate_free_stock([record.pk], reason="preview", dry_run=True)
        planned = {a.backorder_line_id: a.quantity for a in preview.allocations}
        from oscar_backorders.priorities import in_priority_order, load_waiting_lines

        waiting = in_priority_order(load_waiting_lines([record.pk]))
        lines = BackorderLine._default_manager.select_related("order", "line").in_bulk(
            [w.line_id for w in waiting]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Restock allocation for %(record)s") % {"record": record},
            "record": record,
            "preview": preview,
            "free": preview.free_before.get(record.pk, 0),
            "rows": [(lines[w.line_id], w, planned.get(w.line_id, 0)) for w in waiting],
            "inbound": PurchaseOrderLine._default_manager.filter(
                stockrecord=record, status__in=("open", "partial")
            ).select_related("purchase_order__supplier"),
            **submit_once.page_context(request.user, scope),
        }
        return TemplateResponse(request, "oscar_backorders/admin/supply/allocation.html", context)


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(AdminPermissionsMixin, PurchaseOrderLineColumns, admin.ModelAdmin):
    # Dense enough for 1280 px, "Receive…" included; the line's page has every field.
    list_display = PurchaseOrderLineColumns.LIST_COLUMNS
    change_list_template = "oscar_backorders/admin/supply/purchaseorderline_change_list.html"
    list_filter = (
        "status",
        "purchase_order__supplier",
        ("confirmed_date", admin.EmptyFieldListFilter),
    )
    search_fields = ("purchase_order__reference", "stockrecord__partner_sku")
    list_select_related = ("purchase_order__supplier", "stockrecord__product")
    autocomplete_fields = ("stockrecord", "purchase_order")
    form = PurchaseOrderLineForm
    readonly_fields = (
        "quantity_received",
        "status",
        "date_last_received",
        "first_expected_date",
        "first_confirmed_date",
        "date_confirmed",
    )
    actions = ["receive_outstanding"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changed, day = hold_confirmation(form)
        super().save_model(request, obj, form, change)
        if changed:
            apply_confirmation(request, obj, day)

    def has_receive_stock_permission(self, request: HttpRequest) -> bool:
        """Change the line, and allocate the units it brings to waiting lines (one check: Django
        offers an action when *any* of its ``permissions`` passes)."""
        allocate = f"{self.opts.app_label}.allocate_backorder_stock"
        return self.has_change_permission(request) and request.user.has_perm(allocate)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/receive/",
                self.admin_site.admin_view(self.receive_view),
                name="oscar_backorders_purchaseorderline_receive",
            ),
            *super().get_urls(),
        ]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        if self.may_use(request, self.receive_view):
            return shown
        return tuple(name for name in shown if name != "receive_link")

    @admin.display(description=gettext_lazy("receive"))
    def receive_link(self, obj: Any) -> str:
        from django.utils.html import format_html

        if obj.status not in ("open", "partial"):
            return "—"
        url = reverse("admin:oscar_backorders_purchaseorderline_receive", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Receive…"))

    @admin.action(
        description=gettext_lazy("Receive everything still expected"),
        permissions=["receive_stock"],
    )
    def receive_outstanding(self, request: HttpRequest, queryset: Any) -> None:
        for line in queryset.filter(status__in=("open", "partial")).order_by("pk"):
            try:
                receipt = receive_line(
                    line.pk, line.quantity - line.quantity_received, actor=request.user
                )
            except BackorderError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, receipt_message(receipt))
                self.log_change(request, line, receipt_message(receipt))

    @requires("change_purchaseorderline", "allocate_backorder_stock")
    def receive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        line = get_object_or_404(PurchaseOrderLine, pk=pk)
        outstanding = line.quantity - line.quantity_received
        form = ReceiveForm(request.POST or None, initial={"quantity": outstanding})
        scope = f"supply:receive:{line.pk}"
        changelist = reverse("admin:oscar_backorders_purchaseorderline_changelist")
        if request.method == "POST" and form.is_valid():
            try:
                claimed = submit_once.claim_post(request, scope)
                receipt = receive_line(line.pk, form.cleaned_data["quantity"], actor=request.user)
            except submit_once.AlreadyApplied as exc:
                messages.warning(request, str(exc))
                return HttpResponseRedirect(changelist)
            except submit_once.SubmitRefused as exc:
                form.add_error(None, str(exc))
            except BackorderError as exc:
                submit_once.release(claimed)
                form.add_error("quantity", str(exc))
            else:
                messages.success(request, receipt_message(receipt))
                self.log_change(request, line, receipt_message(receipt))
                return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Receive %(line)s") % {"line": line},
            "form": form,
            "line": line,
            "outstanding": outstanding,
            **submit_once.page_context(request.user, scope),
        }
        return TemplateResponse(request, "oscar_backorders/admin/supply/receive.html", context)
