"""The merchant's endpoints: the backorder queue and its actions (set estimate, priority, cancel
waiting units, allocate free stock, ship and capture).

Staff only, each action behind the admin's permission for it
(:data:`oscar_backorders.console.actions.ACTION_PERMISSIONS`); reading the queue needs
``view_backorderline``. An action's input is checked by the admin action's confirmation form
against every line (all or nothing, the admin's messages), then the same services run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from oscar_backorders.api import merchant_serializers as ms
from oscar_backorders.api.base import BackorderAPIView, HasBackorderPermissions
from oscar_backorders.console import action_forms
from oscar_backorders.console.actions import ACTION_PERMISSIONS
from oscar_backorders.console.risk import OPEN_STATUSES, at_risk_above, likely_missed_from
from oscar_backorders.console.runners import SPECS
from oscar_backorders.exceptions import BackorderError

try:
    from drf_spectacular.utils import extend_schema
except ImportError:  # pragma: no cover

    def extend_schema(*args: Any, **kwargs: Any) -> Any:
        return lambda view: view


BackorderLine = get_model("oscar_backorders", "BackorderLine")


def queue() -> Any:
    """The queue in the admin's order, with everything a page of it shows (no query per line)."""
    return BackorderLine._default_manager.select_related("order", "line").order_by(
        "-priority", "date_created", "pk"
    )


def filter_queue(queryset: Any, params: dict[str, Any], *, today: dt.date) -> Any:
    """Apply the validated filters of :class:`~.merchant_serializers.QueueFilterSerializer`."""
    state = params.get("status", "open")
    if state == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif state != "all":
        queryset = queryset.filter(status=state)
    open_only = {"status__in": OPEN_STATUSES}
    overdue = {
        "promise": {"promised_date__lt": today},
        "estimate": {"estimated_date__lt": today},
        "slipped": {"estimated_date__gt": F("promised_date")},
    }
    if "overdue" in params:
        queryset = queryset.filter(**open_only, **overdue[params["overdue"]])
    risk = {
        "at_risk": {"miss_risk__gt": at_risk_above()},
        "likely_missed": {"miss_risk__gte": likely_missed_from()},
        "on_track": {"miss_risk__lte": at_risk_above()},
    }
    if "risk" in params:
        queryset = queryset.filter(**open_only, **risk[params["risk"]])
    simple = {
        "estimated_after": "estimated_date__gte",
        "estimated_before": "estimated_date__lte",
        "order": "order__number",
        "partner": "line__partner_id",
        "product": "line__product_id",
        "stockrecord": "stockrecord_id",
        "estimate_source": "estimate_source",
    }
    for name, lookup in simple.items():
        if name in params:
            queryset = queryset.filter(**{lookup: params[name]})
    if params.get("is_preorder") is not None:
        queryset = queryset.filter(is_preorder=params["is_preorder"])
    if "supplier" in params:
        SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
        records = SupplierStockRecord._default_manager.filter(supplier_id=params["supplier"])
        queryset = queryset.filter(stockrecord_id__in=records.values("stockrecord_id"))
    return queryset


class QueuePagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class QueueView(BackorderAPIView):
    """The backorder queue: open lines by default, highest priority first, then oldest."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("view_backorderline",)}

    @extend_schema(
        parameters=[ms.QueueFilterSerializer], responses=ms.QueueLineSerializer(many=True)
    )
    def get(self, request: Any) -> Response:
        params = ms.QueueFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        lines = filter_queue(queue(), params.validated_data, today=timezone.localdate())
        paginator = QueuePagination()
        page = paginator.paginate_queryset(lines, request, view=self)
        data = ms.QueueLineSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class QueueLineView(BackorderAPIView):
    """One backordered line."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("view_backorderline",)}

    @extend_schema(responses=ms.QueueLineSerializer)
    def get(self, request: Any, pk: int) -> Response:
        line = get_object_or_404(queue(), pk=pk)
        return Response(ms.QueueLineSerializer(line, context={"request": request}).data)


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if field == "__all__" else field): list(errors)
        for field, errors in form.errors.items()
    }


class QueueActionView(BackorderAPIView):
    """Base of the queue's actions: validate, then apply the change to every line at once."""

    permission_classes = [HasBackorderPermissions]
    action: str = ""
    serializer_class: type[ms.LinesSerializer] = ms.LinesSerializer
    form_class: type[action_forms.LinesActionForm] = action_forms.LinesActionForm
    all_or_nothing = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.required_permissions = {"*": (ACTION_PERMISSIONS[cls.action],)}

    def apply(self, form: Any, lines: list[Any]) -> tuple[str, list[int]]:
        """The admin's own runner for this action: the same services, checks and refusals."""
        spec = SPECS[self.action]
        outcome = spec.run(form, lines, self.request.user)
        changed = [line.pk for line, _message in outcome.changed]
        return _changed(str(spec.title), len(changed)), changed

    def post(self, request: Any) -> Response:
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = data.pop("lines")
        lines = list(queue().filter(pk__in=ids).order_by("pk"))
        missing = sorted(set(ids) - {line.pk for line in lines})
        if missing:
            message = _("There is no backordered line %(id)s.") % {"id": missing[0]}
            return Response({"lines": [message]}, status=status.HTTP_400_BAD_REQUEST)
        form_data = {key: "" if value is None else value for key, value in data.items()}
        form = self.form_class(form_data, lines=lines, today=timezone.localdate())
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            if self.all_or_nothing:
                with transaction.atomic():
                    detail, changed = self.apply(form, lines)
            else:
                detail, changed = self.apply(form, lines)
        except BackorderError as exc:
            return Response({"non_field_errors": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        result = list(queue().filter(pk__in=changed))
        body = {
            "detail": detail,
            "lines": ms.QueueLineSerializer(result, many=True, context={"request": request}).data,
        }
        return Response(body)


def _changed(title: str, count: int) -> str:
    return ngettext(
        "%(title)s: %(count)d line changed.", "%(title)s: %(count)d lines changed.", count
    ) % {"title": title, "count": count}


class SetEstimateView(QueueActionView):
    """Set (``new_date``) or shift (``shift_days``) the estimated ship date of lines."""

    action = "set_estimate"
    serializer_class = ms.EstimateSerializer
    form_class = action_forms.EstimateForm


class SetPriorityView(QueueActionView):
    """Change the priority of waiting lines (higher is served first when stock arrives)."""

    action = "change_priority"
    serializer_class = ms.PrioritySerializer
    form_class = action_forms.PriorityForm


class CancelWaitingView(QueueActionView):
    """Cancel waiting units of lines (the customer is told)."""

    action = "cancel_waiting"
    serializer_class = ms.QuantitySerializer
    form_class = action_forms.CancelForm


class AllocateView(QueueActionView):
    """Allocate the free stock of the lines' stock records to their waiting lines, in the
    allocation order (a line that was not named may come first, as in the admin)."""

    action = "allocate_now"
    serializer_class = ms.AllocateSerializer
    form_class = action_forms.AllocateForm

    def apply(self, form: Any, lines: list[Any]) -> tuple[str, list[int]]:
        # The runner's report says what the allocation did (units, lines ready, nothing to do).
        outcome = SPECS[self.action].run(form, lines, self.request.user)
        return outcome.report, sorted(outcome.filled)


class ShipView(QueueActionView):
    """Ship units ready to ship and capture their payment: one shipment per order, each order
    on its own (money captured for one order stands if another is refused)."""

    action = "ship_and_capture"
    serializer_class = ms.ShipSerializer
    form_class = action_forms.ShipForm
    all_or_nothing = False

    def apply(self, form: Any, lines: list[Any]) -> tuple[str, list[int]]:
        outcome = SPECS[self.action].run(form, lines, self.request.user)
        changed = [line.pk for line, _message in outcome.changed]
        failures = outcome.refusals
        not_shipped = _("Not shipped: %(failures)s") % {"failures": "; ".join(failures)}
        if failures and not changed:
            raise BackorderError(not_shipped)
        detail = _changed(str(SPECS[self.action].title), len(changed))
        return (f"{detail} {not_shipped}" if failures else detail), changed


for _serializer, _view in (
    (ms.EstimateSerializer, SetEstimateView),
    (ms.PrioritySerializer, SetPriorityView),
    (ms.QuantitySerializer, CancelWaitingView),
    (ms.AllocateSerializer, AllocateView),
    (ms.ShipSerializer, ShipView),
):
    extend_schema(request=_serializer, responses=ms.ActionResultSerializer)(_view)

__all__ = [
    "AllocateView",
    "CancelWaitingView",
    "QueueLineView",
    "QueueView",
    "SetEstimateView",
    "SetPriorityView",
    "ShipView",
    "filter_queue",
    "queue",
]
