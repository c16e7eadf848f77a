"""Oscar's eager back-in-stock alerts must not fire for a product that is merely backorderable."""

import pytest
from django.core import mail
from oscar.test.factories import ProductAlertFactory, UserFactory

from tests.factories import stocked_product

pytestmark = pytest.mark.django_db


def test_no_back_in_stock_alert_when_product_is_only_backorderable(today):
    product = stocked_product(num_in_stock=0)
    ProductAlertFactory(product=product, user=UserFactory(), email="")
    mail.outbox.clear()
    record = product.stockrecords.get()
    record.price = record.price + 1  # any save of the stock record triggers Oscar's eager alerts
    record.save()
    assert mail.outbox == []
    assert product.productalert_set.get().status == "Active"


def test_back_in_stock_alert_sent_when_stock_arrives(today):
    product = stocked_product(num_in_stock=0)
    ProductAlertFactory(product=product, user=UserFactory(), email="")
    mail.outbox.clear()
    record = product.stockrecords.get()
    record.num_in_stock = 4
    record.save()
    assert len(mail.outbox) == 1
    assert product.productalert_set.get().status == "Closed"


def test_no_back_in_stock_alert_when_arriving_stock_all_goes_to_waiting_backorders(strategy, today):
    from oscar_backorders.notifications import scans
    from oscar_backorders.notifications.tasks import dispatch_due_notices
    from tests.helpers import basket_with, place

    product = stocked_product(num_in_stock=0)
    place(basket_with(strategy, (product, 3)), guest_email="guest@example.com")
    ProductAlertFactory(product=product, user=UserFactory(), email="")
    mail.outbox.clear()
    record = product.stockrecords.get()
    record.num_in_stock = 3  # exactly what the three waiting units need: nothing on the shelf
    record.save()
    scans.scan_order_events()
    dispatch_due_notices()
    assert mail.outbox == []
    assert product.productalert_set.get().status == "Active"


def _queries_of(dispatcher_class, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dispatcher_class().send_product_alert_email_for_user(product)
    return len(queries)


def test_in_stock_check_costs_no_query_of_its_own_when_a_stock_record_is_saved():
    # Oscar runs the dispatcher on every stock-record save: once per line when an order is placed.
    from oscar.apps.customer.alerts.utils import AlertsDispatcher as OscarAlertsDispatcher
    from oscar.core.loading import get_class

    product = stocked_product(num_in_stock=5, mode=None)  # on the shelf: Oscar's own path runs
    ours = get_class("customer.alerts.utils", "AlertsDispatcher")
    assert ours is not OscarAlertsDispatcher
    assert _queries_of(ours, product) == _queries_of(OscarAlertsDispatcher, product)
    assert "stockrecords" not in getattr(product, "_prefetched_objects_cache", {})
