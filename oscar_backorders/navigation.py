"""A "Backorders" link in Oscar's dashboard menu, for a shop to add in its settings.

Oscar builds its dashboard menu from the shop's ``OSCAR_DASHBOARD_NAVIGATION`` setting; the
plugin never changes a shop's settings behind its back. A shop adds the link with one line
(README, "Install in a shop")::

    from oscar_backorders.navigation import with_backorders_menu
    OSCAR_DASHBOARD_NAVIGATION = with_backorders_menu(OSCAR_DASHBOARD_NAVIGATION)

This module is imported from ``settings.py``: it imports no models and reads no settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

#: The backorder queue (the Django admin's changelist of backordered lines).
QUEUE_URL_NAME = "admin:oscar_backorders_backorderline_changelist"
#: Oscar's order list: the entry goes beside it, under Oscar's "Fulfilment" heading.
ORDERS_URL_NAME = "dashboard:order-list"
VIEW_PERMISSION = "oscar_backorders.view_backorderline"


def can_view_queue(
    user: Any, url_name: str | None, url_args: Any = None, url_kwargs: Any = None
) -> bool:
    """Oscar's ``access_fn`` for the entry: staff who may view the queue, where the admin is.

    The Django admin only lets in active staff; the queue needs ``view_backorderline`` (or
    ``change_backorderline``, which implies it in the admin). A shop that does not mount the
    Django admin gets no link rather than a broken one.
    """
    from django.urls import NoReverseMatch, reverse

    if not (user.is_active and user.is_staff):
        return False
    if not (
        user.has_perm(VIEW_PERMISSION) or user.has_perm("oscar_backorders.change_backorderline")
    ):
        return False
    try:
        reverse(url_name or QUEUE_URL_NAME, args=url_args, kwargs=url_kwargs)
    except NoReverseMatch:
        return False
    return True


def backorders_menu_entry() -> dict[str, Any]:
    """The menu entry, in the shape of an ``OSCAR_DASHBOARD_NAVIGATION`` item."""
    return {
        "label": _("Backorders"),
        "icon": "fas fa-hourglass-half",
        "url_name": QUEUE_URL_NAME,
        "access_fn": can_view_queue,
    }


def with_backorders_menu(navigation: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``navigation`` with the queue's entry after Oscar's "Orders" entry.

    ``navigation`` is not changed. Where no heading holds ``dashboard:order-list`` (a shop's own
    menu), the entry is a top-level item at the end. Applying it twice adds one entry.
    """
    entry = backorders_menu_entry()
    menu = [
        {**item, "children": list(item["children"])} if "children" in item else dict(item)
        for item in navigation
    ]
    for item in _flatten(menu):
        if item.get("url_name") == QUEUE_URL_NAME:
            return menu
    for item in menu:
        children = item.get("children", [])
        names = [child.get("url_name") for child in children]
        if ORDERS_URL_NAME in names:
            children.insert(names.index(ORDERS_URL_NAME) + 1, entry)
            return menu
    menu.append(entry)
    return menu


def _flatten(menu: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*menu, *(child for item in menu for child in item.get("children", []))]
