"""Django admin: policies (inline on Oscar's stock record and partner admins) and backordered lines.

Oscar's ``StockRecord`` and ``Partner`` admins are extended, not replaced: whatever admin class is
registered for them (Oscar's, or a forked app's) gains the policy inline.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from importlib import import_module
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from oscar_backorders import admin_actions, charts, reports
from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.admin_permissions import AdminPermissionsMixin, requires
from oscar_backorders.admin_risk import PromiseRiskColumns, PromiseRiskFilter
from oscar_backorders.exports import write_rows
from oscar_backorders.forms import BackorderPolicyForm

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
Supplier = get_model("oscar_backorders", "Supplier")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")


class BackorderPolicyInline(admin.StackedInline):
    model = BackorderPolicy
    form = BackorderPolicyForm
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = _("backorder policy")
    verbose_name_plural = _("backorder policy")


class StockRecordPolicyInline(BackorderPolicyInline):
    fk_name = "stockrecord"
    fields = ("mode", "cap", "lead_time_days", "release_date")


class PartnerPolicyInline(BackorderPolicyInline):
    fk_name = "partner"
    fields = ("mode", "cap", "lead_time_days")
    verbose_name = _("default backorder policy for this partner's stock records")
    verbose_name_plural = verbose_name


def _extend_registered_admin(model: Any, inline: type) -> None:
    """Add ``inline`` to whatever admin is registered for ``model`` (registering Oscar's first)."""
    if not admin.site.is_registered(model):
        # Our app is listed before Oscar's, so its admin module has not been imported yet.
        app_config = apps.get_app_config(model._meta.app_label)
        with contextlib.suppress(ModuleNotFoundError):
            import_module(f"{app_config.name}.admin")
    base = admin.site._registry[model].__class__ if admin.site.is_registered(model) else None
    if base is None:
        base = admin.ModelAdmin
    else:
        admin.site.unregister(model)
    inlines = [*getattr(base, "inlines", ()), inline]
    extended = type(base.__name__, (base,), {"inlines": inlines, "__module__": __name__})
    admin.site.register(model, extended)


_extend_registered_admin(StockRecord, StockRecordPolicyInline)
_extend_registered_admin(Partner, PartnerPolicyInline)


@admin.register(BackorderPolicy)
class BackorderPolicyAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    form = BackorderPolicyForm
    list_display = ("__str__", "mode", "cap", "lead_time_days", "release_date", "date_updated")
    list_filter = ("mode", "partner")
    search_fields = (
        "stockrecord__partner_sku",
        "stockrecord__product__upc",
        "stockrecord__product__title",
        "partner__name",
    )
    list_select_related = ("stockrecord__product", "stockrecord__partner", "partner")
    autocomplete_fields = ("stockrecord", "partner")


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


# --- Merchant console: the backorder queue, its actions and reports ---


CENTS = Decimal("0.01")
#: Authorisation statuses that still stand for the order's money (not closed, not replaced).
CURRENT_AUTHORISATION = ("active", "needs_customer", "expired")
#: Of those, the ones whose capture deadline still matters.
HOLDING_AUTHORISATION = ("active", "needs_customer")


def authorisations_prefetch() -> Prefetch:
    """The orders' payment authorisations with their held captures summed: one query per page."""
    return Prefetch(
        "order__backorder_authorisations",
        queryset=PaymentAuthorisation._default_manager.annotate(
            held_captures=Count("captures", filter=Q(captures__status="failed")),
            held_amount=Sum("captures__amount", filter=Q(captures__status="failed")),
        ).order_by("-pk"),
    )


def _money(amount: Any, currency: str) -> str:
    return f"{Decimal(amount).quantize(CENTS)} {currency}"


def _authorisation_state(authorisations: list[Any]) -> str:
    """The plugin's own summary: authorised, capture deadline, captured so far, held captures."""
    current = next((a for a in authorisations if a.status in CURRENT_AUTHORISATION), None)
    shown = current or authorisations[0]
    currency = shown.currency
    captured = sum(a.amount_captured for a in authorisations)
    held, held_amount = 0, 0
    for authorisation in authorisations:
        if not hasattr(authorisation, "held_captures"):  # not loaded by the queue's prefetch
            authorisation.held_captures, authorisation.held_amount = (
                authorisation.captures.filter(status="failed")
                .aggregate(count=Count("pk"), amount=Sum("amount"))
                .values()
            )
        held += authorisation.held_captures or 0
        held_amount += authorisation.held_amount or 0
    parts = [_("authorised %(amount)s") % {"amount": _money(shown.amount, currency)}]
    if shown.expires_at and shown.status in HOLDING_AUTHORISATION:
        deadline = timezone.localtime(shown.expires_at)
        if deadline < timezone.now():
            parts.append(_("expired %(date)s") % {"date": f"{deadline:%Y-%m-%d}"})
        else:
            parts.append(_("capture by %(date)s") % {"date": f"{deadline:%Y-%m-%d %H:%M}"})
    elif current is None or shown.status not in HOLDING_AUTHORISATION:
        parts.append(shown.get_status_display())
    if captured:
        parts.append(_("captured %(amount)s") % {"amount": _money(captured, currency)})
    if held:
        parts.append(
            ngettext(
                "%(count)d capture held (%(amount)s)",
                "%(count)d captures held (%(amount)s)",
                held,
            )
            % {"count": held, "amount": _money(held_amount, currency)}
        )
    return ", ".join(str(part) for part in parts)


def payment_state(backorder_line: Any) -> str:
    """What the shop knows of the money behind a backordered line's order, in a few words.

    When the plugin's payments module authorised the order, its own :class:`PaymentAuthorisation`
    says it all: amount authorised, capture deadline (or that it expired), captured so far and
    captures held because they failed. Otherwise Oscar's payment sources of the order: authorised
    (``amount_allocated``), captured (``amount_debited``), refunded. Both are prefetched by the
    queue (one query each per page, never one per row). "—" when the order has no payment data.
    """
    authorisations = list(backorder_line.order.backorder_authorisations.all())
    if authorisations:
        return _authorisation_state(authorisations)
    sources = list(backorder_line.order.sources.all())
    if not sources:
        return "—"
    currency = sources[0].currency
    authorised = sum(source.amount_allocated for source in sources)
    captured = sum(source.amount_debited for source in sources)
    refunded = sum(source.amount_refunded for source in sources)
    parts = [_("authorised %(amount)s") % {"amount": f"{authorised} {currency}"}]
    if captured:
        parts.append(_("captured %(amount)s") % {"amount": f"{captured} {currency}"})
    if refunded:
        parts.append(_("refunded %(amount)s") % {"amount": f"{refunded} {currency}"})
    return ", ".join(str(part) for part in parts)


class SupplierFilter(admin.SimpleListFilter):
    """Lines whose stock record the chosen supplier supplies (any of its suppliers)."""

    title = _("supplier")
    parameter_name = "supplier"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (str(pk), name)
            for pk, name in Supplier._default_manager.order_by("name").values_list("pk", "name")
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() is None:
            return queryset
        if not self.value().isdigit():
            messages.error(request, _("There is no supplier %(value)s.") % {"value": self.value()})
            return queryset.none()
        records = SupplierStockRecord._default_manager.filter(supplier_id=int(self.value()))
        return queryset.filter(stockrecord_id__in=records.values("stockrecord_id"))


class AuthorisationExpiringFilter(admin.SimpleListFilter):
    """Lines whose order's payment authorisation expires soon, or already has.

    ``?authorisation=N`` (any whole number of days from 0 to 365) also works in the URL.
    """

    title = _("authorisation expiring")
    parameter_name = "authorisation"
    EXPIRED = "expired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.EXPIRED, _("Already expired")),
            ("1", _("Within 1 day")),
            ("3", _("Within 3 days")),
            ("7", _("Within 7 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value is None:
            return queryset
        now = timezone.now()
        authorisations = PaymentAuthorisation._default_manager
        if value == self.EXPIRED:
            expired = authorisations.filter(
                Q(status="expired") | Q(status__in=HOLDING_AUTHORISATION, expires_at__lt=now)
            )
            return queryset.filter(order_id__in=expired.values("order_id"))
        if not value.isdigit() or int(value) > 365:
            messages.error(
                request,
                _("Authorisation expiring: give a number of days from 0 to 365, not %(value)s.")
                % {"value": value},
            )
            return queryset.none()
        due = authorisations.filter(
            status__in=HOLDING_AUTHORISATION,
            expires_at__gte=now,
            expires_at__lt=now + dt.timedelta(days=int(value)),
        )
        return queryset.filter(order_id__in=due.values("order_id"))


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the queue proper: lines with units waiting or ready to ship."""

    title = _("status")
    parameter_name = "queue"
    OPEN = "open"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.OPEN, _("Open (waiting or ready to ship)")),
            *BackorderStatus.choices,
            (self.ALL, _("All")),
        ]

    def choices(self, changelist: Any) -> Any:
        value = self.value() or self.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value() or self.OPEN
        if value == self.ALL:
            return queryset
        if value == self.OPEN:
            return queryset.filter(status__in=[BackorderStatus.WAITING, BackorderStatus.ALLOCATED])
        if value in BackorderStatus.values:
            return queryset.filter(status=value)
        return queryset.none()


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("promise", _("Past the date promised at checkout")),
            ("estimate", _("Past the current estimate")),
            ("slipped", _("Estimate later than promised")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        today = timezone.localdate()
        open_lines = queryset.filter(
            status__in=[BackorderStatus.WAITING, BackorderStatus.ALLOCATED]
        )
        if self.value() == "promise":
            return open_lines.filter(promised_date__lt=today)
        if self.value() == "estimate":
            return open_lines.filter(estimated_date__lt=today)
        if self.value() == "slipped":
            return open_lines.filter(estimated_date__gt=F("promised_date"))
        return queryset


class EstimateRangeFilter(admin.SimpleListFilter):
    """When the current estimate falls. (Any range also works as ``?estimated_date__gte=…``.)"""

    title = _("estimated ship date")
    parameter_name = "estimate"
    RANGES = {"week": (0, 7), "month": (8, 30), "later": (31, None)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("past", _("Before today")),
            ("week", _("Within 7 days")),
            ("month", _("In 8 to 30 days")),
            ("later", _("More than 30 days away")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        today = timezone.localdate()
        if self.value() == "past":
            return queryset.filter(estimated_date__lt=today)
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            queryset = queryset.filter(estimated_date__gte=today + dt.timedelta(days=low))
            if high is not None:
                queryset = queryset.filter(estimated_date__lte=today + dt.timedelta(days=high))
            return queryset
        return queryset


class QueuePaginator(Paginator):
    """Loads a page after the first in two steps: its primary keys, then those rows.

    The first query orders and slices the backordered lines alone (an index scan on the queue's
    ordering), so a deep page does not join orders, users and order lines for every skipped row;
    the second loads at most one page of rows by primary key, in the same order. The first page
    needs no offset, so it stays one query.
    """

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if number == 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


class ReportRangeForm(forms.Form):
    since = forms.DateField(
        label=_("from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data


@admin.register(BackorderLine)
class BackorderLineAdmin(AdminPermissionsMixin, PromiseRiskColumns, admin.ModelAdmin):
    """The backorder queue: open lines first, the oldest and most urgent on top."""

    change_list_template = "admin/oscar_backorders/backorderline/change_list.html"
    list_display = (
        "order_number",
        "customer_email",
        "product_title",
        "quantity_display",
        "quantity_waiting_display",
        "quantity_allocated_display",
        "status",
        "promised_date",
        "estimated_date",
        "likely_date",
        "chance_of_missing",
        "days_waiting",
        "priority",
        "payment_state_display",
    )
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
    actions = admin_actions.ACTIONS
    inlines = [BackorderEventInline]
    readonly_fields = (
        "order",
        "line",
        "stockrecord",
        "quantity",
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
        "line_price",
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

    # Columns

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, obj: Any) -> str:
        return obj.order.number

    @admin.display(description=_("customer"))
    def customer_email(self, obj: Any) -> str:
        order = obj.order
        return order.user.email if order.user_id else order.guest_email

    @admin.display(description=_("product"), ordering="line__title")
    def product_title(self, obj: Any) -> str:
        sku = " / ".join(filter(None, [obj.line.partner_sku, obj.line.upc]))
        return f"{obj.line.title} ({sku})" if sku else obj.line.title

    @admin.display(description=_("backordered"), ordering="quantity")
    def quantity_display(self, obj: Any) -> int:
        return obj.quantity

    @admin.display(description=_("waiting"))
    def quantity_waiting_display(self, obj: Any) -> int:
        return obj.quantity_waiting

    @admin.display(description=_("ready to ship"), ordering="quantity_allocated")
    def quantity_allocated_display(self, obj: Any) -> int:
        return obj.quantity_allocated

    @admin.display(description=_("days waiting"), ordering="-date_created")
    def days_waiting(self, obj: Any) -> int:
        return (timezone.localdate() - timezone.localtime(obj.date_created).date()).days

    @admin.display(description=_("payment"))
    def payment_state_display(self, obj: Any) -> str:
        return payment_state(obj)

    @admin.display(description=_("line price (incl. tax)"))
    def line_price(self, obj: Any) -> Any:
        return obj.line.line_price_incl_tax

    # Reports

    def get_urls(self) -> list[Any]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "reports/",
                self.admin_site.admin_view(self.reports_view),
                name=f"{prefix}_reports",
            ),
            path(
                "reports/<slug:table>.csv",
                self.admin_site.admin_view(self.report_csv_view),
                name=f"{prefix}_report_csv",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "can_view_reports": self.has_view_backorder_reports_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _report_period(self, request: HttpRequest) -> tuple[ReportRangeForm, dt.date, dt.date]:
        today = timezone.localdate()
        default = {"since": today - dt.timedelta(weeks=12), "until": today}
        form = ReportRangeForm(request.GET if "since" in request.GET else None, initial=default)
        if form.is_bound and form.is_valid():
            return form, form.cleaned_data["since"], form.cleaned_data["until"]
        return form, default["since"], default["until"]

    @requires("view_backorder_reports")
    def reports_view(self, request: HttpRequest) -> HttpResponse:
        form, since, until = self._report_period(request)
        tables = reports.build_tables(since=since, until=until, today=timezone.localdate())
        over_time, aging = tables["over_time"], tables["aging"]
        fills = tables["fill_rate"]
        by_product = tables["accuracy_by_product"]
        by_supplier = tables["accuracy_by_supplier"]
        charts_by_table = {
            "over_time": charts.column_chart(
                [row["week"].strftime("%d %b") for row in over_time],
                [row["units"] for row in over_time],
                title=str(_("Units backordered per week")),
            ),
            "aging": charts.column_chart(
                [row["age"] for row in aging],
                [row["units"] for row in aging],
                title=str(_("Open units by days waiting")),
            ),
            "fill_rate": charts.split_bar_chart(
                [row["partner"] for row in fills],
                [row["shipped"] for row in fills],
                [row["cancelled"] for row in fills],
                title=str(_("Shipped vs cancelled units")),
                good_label=str(_("shipped")),
                bad_label=str(_("cancelled")),
            ),
            "accuracy_by_product": charts.split_bar_chart(
                [row["product"] for row in by_product],
                [row["on_time"] for row in by_product],
                [row["late"] for row in by_product],
                title=str(_("Units shipped by the promised date")),
                good_label=str(_("on time")),
                bad_label=str(_("late")),
            ),
            "accuracy_by_supplier": charts.split_bar_chart(
                [row["supplier"] for row in by_supplier],
                [row["on_time"] for row in by_supplier],
                [row["late"] for row in by_supplier],
                title=str(_("Units shipped by the promised date, by supplier")),
                good_label=str(_("on time")),
                bad_label=str(_("late")),
            ),
        }
        query = request.GET.urlencode()
        sections = [
            {
                "name": name,
                "title": reports.TABLES[name][0],
                "rows": reports.table_as_rows(name, rows),
                "chart": charts_by_table.get(name) if rows else None,
                "csv_url": reverse(
                    f"{self.admin_site.name}:oscar_backorders_backorderline_report_csv",
                    args=[name],
                )
                + (f"?{query}" if query else ""),
            }
            for name, rows in tables.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Backorder reports"),
            "opts": self.opts,
            "form": form,
            "since": since,
            "until": until,
            "sections": sections,
        }
        return TemplateResponse(
            request, "admin/oscar_backorders/backorderline/reports.html", context
        )

    @requires("view_backorder_reports")
    def report_csv_view(self, request: HttpRequest, table: str) -> HttpResponse:
        if table not in reports.TABLES:
            raise Http404(_("There is no report table %(name)s.") % {"name": table})
        _form, since, until = self._report_period(request)
        tables = reports.build_tables(since=since, until=until, today=timezone.localdate())
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="backorders-{table}-{since:%Y%m%d}-{until:%Y%m%d}.csv"'
        )
        write_rows(response, reports.table_as_rows(table, tables[table]))
        return response


# --- payments ---
# --- Notifications ---
from oscar_backorders.notifications import admin as _notifications_admin  # noqa: E402, F401
from oscar_backorders.payments import admin as payments_admin  # noqa: E402, F401

# --- supply ---
from oscar_backorders.supply import admin as supply_admin  # noqa: E402, F401
