"""The queue's list filters and its paginator."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.console.payment_column import HOLDING_AUTHORISATION

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
Supplier = get_model("oscar_backorders", "Supplier")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")


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
