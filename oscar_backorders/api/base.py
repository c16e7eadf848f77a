"""What every view of the API shares: the schema class, refusals as HTTP answers, permissions.

Permissions follow the admin's: a merchant endpoint needs a staff account *and* the permission
codename(s) the admin action it mirrors needs (``oscar_backorders.<codename>``), so a member of
staff who may not ship in the admin may not ship over HTTP either.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import permissions, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from oscar_backorders.exceptions import BackorderError

try:  # The schema is optional: the API works without drf-spectacular.
    from drf_spectacular.openapi import AutoSchema as _AutoSchema
except ImportError:  # pragma: no cover - exercised only without drf-spectacular
    _AutoSchema = None


class Conflict(APIException):
    """The thing is not in a state that allows the change (e.g. nothing is waiting any more)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def refused(error: BackorderError, *, field: str | None = None) -> Response:
    """A service's refusal as a 400 answer; with ``field``, the message is that field's."""
    key = field or "non_field_errors"
    return Response({key: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)


class BackorderAPIView(APIView):
    """Base of every view: drf-spectacular's schema when it is installed, whatever the shop's
    ``DEFAULT_SCHEMA_CLASS`` (so the plugin's schema is served in any shop)."""

    if _AutoSchema is not None:
        schema = _AutoSchema()

    def handle_exception(self, exc: Exception) -> Response:
        # A service that cannot find what an id names raises Model.DoesNotExist: a 404.
        if isinstance(exc, ObjectDoesNotExist):
            return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        return super().handle_exception(exc)


class HasBackorderPermissions(permissions.BasePermission):
    """Staff users holding every codename the view names in ``required_permissions``.

    ``required_permissions`` maps an HTTP method to the codenames of ``oscar_backorders`` it
    needs (``"*"``: any method), as the admin's actions and views declare theirs.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        needed = required_permissions(view, request.method)
        return user.has_perms([f"oscar_backorders.{codename}" for codename in needed])


def required_permissions(view: Any, method: str) -> tuple[str, ...]:
    table: dict[str, tuple[str, ...]] = getattr(view, "required_permissions", {})
    return table.get(method, table.get("*", ()))
