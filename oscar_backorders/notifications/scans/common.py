"""What every scan shares: reading in chunks, the orders' customers, claiming for an order.

Internal to :mod:`~oscar_backorders.notifications.scans`; the scans import it, nothing else does.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.notifications.dispatch import claim
from oscar_backorders.notifications.notices import order_scope


def model(name: str) -> Any:
    return get_model("oscar_backorders", name)


def chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def customers_of(order_ids: Iterable[int]) -> dict[int, tuple[Any, str, str]]:
    """``order id → (order, email, language)`` in two queries."""
    Order = get_model("order", "Order")
    orders = list(Order._default_manager.filter(pk__in=set(order_ids)).select_related("user"))
    emails = {(o.email or "").strip().lower() for o in orders} - {""}
    preferences = {
        p.email: p
        for p in model("NotificationPreference")._default_manager.filter(email__in=emails)
    }
    result = {}
    for order in orders:
        email = (order.email or "").strip()
        preference = preferences.get(email.lower())
        language = (preference.language if preference else "") or settings.LANGUAGE_CODE
        result[order.pk] = (order, email, language)
    return result


def claim_for_order(
    customers: dict[int, tuple[Any, str, str]], order_id: int, **kwargs: Any
) -> Any | None:
    order, email, language = customers[order_id]
    return claim(
        scope=order_scope(order_id), order=order, recipient=email, language=language, **kwargs
    )


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
