"""What every scan shares: reading in chunks, the orders' customers, claiming for an order.

Internal to :mod:`~oscar_backorders.notifications.scans`; the scans import it, nothing else does.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
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


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Reads inside see the database as of one moment, whatever commits meanwhile.

    PostgreSQL: a ``REPEATABLE READ`` transaction (when no transaction is open yet; inside one,
    the caller's isolation holds). SQLite: one transaction, whose reads see one state of the
    file. For scans that read two tables written together (a shipment's events and its
    capture), so that a shipment committed between the two reads is seen whole or not at all.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql" and not _savepoint_inside():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _savepoint_inside() -> bool:
    """Whether the atomic block just opened sits inside another (it set a savepoint)."""
    return len(connection.atomic_blocks) > 1


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
