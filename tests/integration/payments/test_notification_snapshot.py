"""A shipment committed while the notification scan reads is told whole, once: its units and
its charge in the same email, never its charge with the previous shipment and its units later
without an amount.

PostgreSQL only: the second shipment commits on its own connection between the scan's two
reads (SQLite would make it wait for the scan's read transaction).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications.abstract_models import NoticeKind
from oscar_backorders.notifications.scans import order_events
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Notice = get_model("oscar_backorders", "Notice")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def shipped_notices():
    return list(Notice.objects.filter(kind=NoticeKind.SHIPPED).order_by("pk"))


def test_a_shipment_committed_during_the_scan_is_told_whole_by_the_next_scan(
    strategy, today, gateway, settings, monkeypatch
):
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300
    lamp = stocked_product(num_in_stock=0, price=Decimal("34.00"))
    customer = UserFactory(email="ada@example.com")
    order = place(basket_with(strategy, (lamp, 2), owner=customer), user=customer)
    authorise_order(order.pk, payment_token="ok")
    line = order.lines.select_related("backorder").get()
    allocate(line, 2)
    with time_machine.travel(NOW, tick=False):
        ship(order.pk, {line.pk: 1})
    first = PaymentCapture.objects.get(order=order, status="captured")

    real_untold = order_events._untold_shipments

    def second_shipment_commits_meanwhile(order_ids):
        def ship_one_more():
            try:
                ship(order.pk, {line.pk: 1})
            finally:
                connection.close()

        worker = threading.Thread(target=ship_one_more)
        worker.start()
        worker.join(30)
        return real_untold(order_ids)

    monkeypatch.setattr(order_events, "_untold_shipments", second_shipment_commits_meanwhile)
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        order_events.scan_order_events()
    monkeypatch.setattr(order_events, "_untold_shipments", real_untold)
    second = PaymentCapture.objects.exclude(pk=first.pk).get(order=order, status="captured")

    (told_first,) = shipped_notices()
    assert told_first.payload["shipment_ids"] == [first.pk]
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        order_events.scan_order_events()
    told_first_again, told_second = shipped_notices()
    assert told_first_again.pk == told_first.pk
    assert told_second.payload["shipment_ids"] == [second.pk]
    assert set(told_second.payload["event_ids"]).isdisjoint(told_first.payload["event_ids"])
