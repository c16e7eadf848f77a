"""The console's reports page and its CSV downloads, mixed into the queue's admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.templatetags.currency_filters import currency

from oscar_backorders.console import charts, reports
from oscar_backorders.console.exports import write_rows
from oscar_backorders.console.permissions import requires
from oscar_backorders.formatting import day_and_month


def _for_the_page(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the page shows them: amounts as Oscar writes money in the active language.

    Dates and numbers are localised by the template; the CSV export keeps plain values (ISO
    dates, decimal points), for machines.
    """
    if name != "value_waiting":
        return rows
    return [{**row, "value": currency(row["value"], row["currency"])} for row in rows]


class ReportRangeForm(forms.Form):
    """The report's period, written as the page's language writes dates (the admin's own date
    field and calendar); ISO dates are taken too (links, scripts)."""

    since = forms.DateField(label=_("from"), widget=AdminDateWidget(), localize=True)
    until = forms.DateField(label=_("to"), widget=AdminDateWidget(), localize=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data


class ReportViewsMixin:
    """Adds the reports page and CSV downloads to a model admin (URLs under its own)."""

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
                [day_and_month(row["week"]) for row in over_time],
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
                "rows": reports.table_as_rows(name, _for_the_page(name, rows)),
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
