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
