"""What every admin of the plugin refuses with a 403: actions and views the user may not use.

Django's admin offers an action only to users who hold its ``permissions``, but answers a POSTed
action that it does not offer with "No action selected" (a 200 or a redirect): nothing runs, yet a
forged request is not refused as one. :class:`AdminPermissionsMixin` raises ``PermissionDenied``
before the changelist does anything. Custom admin views (added in ``get_urls``) are decorated
with :func:`requires`, which names their permissions (tests read them as
``required_permissions``) and refuses everyone else.

Django offers an action when *any* one of its ``permissions`` passes, so an action that needs two
permissions declares one ``has_<name>_permission`` that checks both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponse)
AdminView = Callable[Concatenate[Any, HttpRequest, P], R]


class AdminPermissionsMixin:
    """A ``ModelAdmin`` mixin: a POSTed action this user is not offered is refused with a 403."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "POST":
            self.refuse_actions_not_offered(request)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def refuse_actions_not_offered(self, request: HttpRequest) -> None:
        """Raise ``PermissionDenied`` if any POSTed ``action`` is one of this admin's actions
        that :meth:`get_actions` does not offer this user (each form on the page posts one)."""
        # Django offers no public list of the actions before its permission filter.
        known = {name for _action, name, _label in self._get_base_actions()}  # type: ignore[attr-defined]
        offered = self.get_actions(request)  # type: ignore[attr-defined]
        if any(name in known and name not in offered for name in request.POST.getlist("action")):
            raise PermissionDenied

    def may_use(self, request: HttpRequest, view: Callable[..., Any]) -> bool:
        """Whether this user holds every permission a :func:`requires` view names (for links)."""
        app_label: str = self.opts.app_label  # type: ignore[attr-defined]
        return _holds(request, app_label, getattr(view, "required_permissions", ()))


def _holds(request: HttpRequest, app_label: str, codenames: tuple[str, ...]) -> bool:
    return request.user.has_perms([f"{app_label}.{name}" for name in codenames])


def requires(*codenames: str) -> Callable[[AdminView[P, R]], AdminView[P, R]]:
    """Refuse a custom admin view (403) to users without every one of these permissions.

    The codenames belong to the admin's app (``oscar_backorders.<codename>``). The view keeps
    them as ``required_permissions``; ``admin_site.admin_view`` copies that attribute over.
    """

    def decorate(view: AdminView[P, R]) -> AdminView[P, R]:
        @functools.wraps(view)
        def checked(modeladmin: Any, request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
            if not _holds(request, modeladmin.opts.app_label, codenames):
                raise PermissionDenied
            return view(modeladmin, request, *args, **kwargs)

        checked.required_permissions = codenames  # type: ignore[attr-defined]
        return checked

    return decorate
