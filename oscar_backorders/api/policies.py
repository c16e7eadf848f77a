"""The merchant's backorder-policy endpoints: list, read, create, change, delete.

Staff only, with the model's permissions as in the admin (``view_``, ``add_``, ``change_``,
``delete_backorderpolicy``). Every write goes through the admin's own form
(:class:`~oscar_backorders.console.forms.BackorderPolicyForm`: its rules, then the model's
``full_clean``) and the model's ``save``/``delete``, so the API refuses what the admin refuses,
with the same messages, and a saved policy sends the same ``post_save`` the admin's does
(:func:`oscar_backorders.policy.policy_saved`: every process looks policies up again).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from oscar_backorders.api import policy_serializers as ps
from oscar_backorders.api.base import BackorderAPIView, HasBackorderPermissions
from oscar_backorders.console.forms import BackorderPolicyForm

try:
    from drf_spectacular.utils import extend_schema
except ImportError:  # pragma: no cover

    def extend_schema(*args: Any, **kwargs: Any) -> Any:
        return lambda view: view


BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")


def policies() -> Any:
    """Policies with what the API shows of their owner (no query per policy)."""
    return BackorderPolicy._default_manager.select_related("stockrecord", "partner").order_by("pk")


def filter_policies(queryset: Any, params: dict[str, Any]) -> Any:
    if "stockrecord" in params:
        queryset = queryset.filter(stockrecord_id=params["stockrecord"])
    if "partner" in params:
        partner = params["partner"]
        queryset = queryset.filter(Q(partner_id=partner) | Q(stockrecord__partner_id=partner))
    if "mode" in params:
        queryset = queryset.filter(mode=params["mode"])
    return queryset


class PolicyPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


def save_policy(request: Any, instance: Any | None) -> Response:
    """Check ``request.data`` with the admin's form and save it, or answer 400 (nothing saved).

    For a change (``instance``), fields the body leaves out keep their stored values.
    """
    unknown = sorted(set(request.data) - set(ps.WRITABLE))
    if unknown:
        body = {name: [_("This field cannot be written.")] for name in unknown}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    data = model_to_dict(instance, fields=ps.WRITABLE) if instance is not None else {}
    data.update({name: request.data[name] for name in ps.WRITABLE if name in request.data})
    form = BackorderPolicyForm(data=data, instance=instance)
    if not form.is_valid():
        errors = {
            ("non_field_errors" if name == "__all__" else name): list(messages)
            for name, messages in form.errors.items()
        }
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    with transaction.atomic():
        policy = form.save()
    code = status.HTTP_200_OK if instance is not None else status.HTTP_201_CREATED
    return Response(ps.PolicySerializer(policies().get(pk=policy.pk)).data, status=code)


class PoliciesView(BackorderAPIView):
    """Backorder policies, oldest first (filters: ``stockrecord``, ``partner``, ``mode``;
    ``limit``/``offset``); create one."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"GET": ("view_backorderpolicy",), "POST": ("add_backorderpolicy",)}

    @extend_schema(parameters=[ps.PolicyFilterSerializer], responses=ps.PolicySerializer(many=True))
    def get(self, request: Any) -> Response:
        params = ps.PolicyFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = filter_policies(policies(), params.validated_data)
        paginator = PolicyPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(ps.PolicySerializer(page, many=True).data)

    @extend_schema(request=ps.PolicySerializer, responses={201: ps.PolicySerializer})
    def post(self, request: Any) -> Response:
        return save_policy(request, None)


class PolicyView(BackorderAPIView):
    """One policy: read, change (``PATCH``: the fields given), delete."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {
        "GET": ("view_backorderpolicy",),
        "PATCH": ("change_backorderpolicy",),
        "DELETE": ("delete_backorderpolicy",),
    }

    @extend_schema(responses=ps.PolicySerializer)
    def get(self, request: Any, pk: int) -> Response:
        return Response(ps.PolicySerializer(get_object_or_404(policies(), pk=pk)).data)

    @extend_schema(request=ps.PolicySerializer(partial=True), responses=ps.PolicySerializer)
    def patch(self, request: Any, pk: int) -> Response:
        return save_policy(request, get_object_or_404(BackorderPolicy, pk=pk))

    @extend_schema(responses={204: None})
    def delete(self, request: Any, pk: int) -> Response:
        get_object_or_404(BackorderPolicy, pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["PoliciesView", "PolicyView"]
