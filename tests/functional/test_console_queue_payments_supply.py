"""The queue's payment column from the plugin's authorisations, and its supplier and
authorisation-expiring filters: still a constant number of queries per page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import SourceTypeFactory, UserFactory

from oscar_backorders.console.payment_column import payment_state
from tests.bulk import bulk_backorder_lines
from tests.supply_factories import SupplierFactory

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
Source = get_model("payment", "Source")
URL = "admin:oscar_backorders_backorderline_changelist"


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def queries_for(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(URL), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def authorise(order_id, *, days=5, status="active", amount="24.00", captured="0.00", n=0):
    return PaymentAuthorisation.objects.create(
        order_id=order_id,
        gateway="dummy",
        reference=f"auth-{order_id}-{n}",
        currency="GBP",
        amount=Decimal(amount),
        amount_captured=Decimal(captured),
        status=status,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )


def held_capture(authorisation, amount="12.00", sequence=1):
    return PaymentCapture.objects.create(
        order_id=authorisation.order_id,
        authorisation=authorisation,
        sequence=sequence,
        idempotency_key=f"key-{authorisation.pk}-{sequence}",
        amount=Decimal(amount),
        currency="GBP",
        line_quantities={},
        status="failed",
    )


def test_queue_query_count_is_constant_when_lines_have_authorisations_captures_and_suppliers(
    merchant, today
):
    bulk_backorder_lines(10, number_start=100)
    few, _ = queries_for(merchant, queue="all")
    products = bulk_backorder_lines(990, number_start=200000)
    for product in products:
        SupplierStockRecord.objects.create(
            supplier=SupplierFactory(), stockrecord=product.stockrecords.get()
        )
    for order_id in BackorderLine.objects.values_list("order_id", flat=True):
        authorisation = authorise(order_id, captured="12.00")
        held_capture(authorisation)
    source_type = SourceTypeFactory()
    Source.objects.bulk_create(
        Source(order_id=pk, source_type=source_type, currency="GBP", amount_allocated=24)
        for pk in BackorderLine.objects.values_list("order_id", flat=True)[:3]
    )
    many, response = queries_for(merchant, queue="all")
    assert many == few
    page = response.content.decode()
    assert "authorised £24.00" in page
    assert "1 capture held (£12.00)" in page
    deep, response = queries_for(merchant, queue="all", p=15)
    assert deep == many + 1  # keys first, then the page (see QueuePaginator)
    assert len(response.context["cl"].result_list) == 50


def test_payment_state_reads_the_plugins_authorisation_when_the_order_has_one(today):
    bulk_backorder_lines(1)
    line = BackorderLine.objects.get()
    Source.objects.create(
        order=line.order, source_type=SourceTypeFactory(), currency="GBP", amount_allocated=99
    )
    old = authorise(line.order_id, status="replaced", captured="6.00", n=1)
    held_capture(old, amount="4.00")
    held_capture(old, amount="5.00", sequence=2)
    authorise(line.order_id, days=3, amount="18.00", captured="0.00", n=2)
    line = BackorderLine.objects.get()
    # Oscar's money format and the language's short date and time (today: 24 Nov, 10:00 London)
    assert payment_state(line) == (
        "authorised £18.00, capture by 27 Nov 10 a.m., captured £6.00, 2 captures held (£9.00)"
    )


def test_payment_state_says_expired_when_the_capture_deadline_has_passed(today):
    bulk_backorder_lines(1)
    line = BackorderLine.objects.get()
    authorise(line.order_id, days=-2)
    line = BackorderLine.objects.get()
    assert payment_state(line) == "authorised £24.00, expired 22 Nov"


def test_payment_state_names_a_closed_authorisation_when_nothing_is_held(today):
    bulk_backorder_lines(1)
    line = BackorderLine.objects.get()
    authorise(line.order_id, status="closed", captured="24.00")
    line = BackorderLine.objects.get()
    assert payment_state(line) == "authorised £24.00, Closed, captured £24.00"


def test_queue_filters_by_supplier_when_one_is_chosen(merchant, today):
    products = bulk_backorder_lines(10, products=2)
    chosen, other = SupplierFactory(name="Kettle Works"), SupplierFactory(name="Linen & Co")
    SupplierStockRecord.objects.create(supplier=chosen, stockrecord=products[0].stockrecords.get())
    SupplierStockRecord.objects.create(supplier=other, stockrecord=products[0].stockrecords.get())
    response = merchant.get(reverse(URL), {"queue": "all", "supplier": chosen.pk})
    assert response.context["cl"].result_count == 5
    assert {line.stockrecord_id for line in response.context["cl"].result_list} == {
        products[0].stockrecords.get().pk
    }
    assert "Kettle Works" in response.content.decode()
    unused = SupplierFactory()
    response = merchant.get(reverse(URL), {"queue": "all", "supplier": unused.pk})
    assert response.context["cl"].result_count == 0


def test_queue_refuses_a_supplier_that_is_not_a_number_with_a_message(merchant, today):
    bulk_backorder_lines(3)
    SupplierFactory()
    response = merchant.get(reverse(URL), {"queue": "all", "supplier": "acme"})
    assert response.status_code == 200
    assert "There is no supplier acme." in response.content.decode()
    assert response.context["cl"].result_count == 0
    assert BackorderLine.objects.count() == 3


def test_queue_filters_orders_whose_authorisation_expires_soon_or_has_expired(merchant, today):
    bulk_backorder_lines(6)
    orders = list(BackorderLine.objects.order_by("pk").values_list("order_id", flat=True))
    authorise(orders[0], days=-1)  # active but past its deadline
    authorise(orders[1], days=1, status="expired")  # marked expired by the gateway
    authorise(orders[2], days=2)
    authorise(orders[3], days=2, status="needs_customer")
    authorise(orders[4], days=20)
    authorise(orders[5], days=1, status="replaced")  # no longer stands for the money

    def found(value):
        response = merchant.get(reverse(URL), {"queue": "all", "authorisation": value})
        return sorted(line.order_id for line in response.context["cl"].result_list)

    assert found("expired") == sorted(orders[:2])
    assert found("3") == sorted(orders[2:4])
    assert found("30") == sorted(orders[2:5])
    assert found("1") == []


@pytest.mark.parametrize("value", ["soon", "-3", "1000"])
def test_queue_refuses_a_bad_authorisation_window_with_a_message(merchant, today, value):
    bulk_backorder_lines(2)
    authorise(BackorderLine.objects.first().order_id, days=1)
    response = merchant.get(reverse(URL), {"queue": "all", "authorisation": value})
    assert response.status_code == 200
    assert "give a number of days from 0 to 365" in response.content.decode()
    assert response.context["cl"].result_count == 0
