"""The backorder queue in the Django admin: columns, filters, search, constant query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import SourceTypeFactory, UserFactory

from oscar_backorders.console.payment_column import payment_state
from tests.bulk import bulk_backorder_lines

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
Source = get_model("payment", "Source")
Line = get_model("order", "Line")
URL = "admin:oscar_backorders_backorderline_changelist"


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def queries_for(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_queue_query_count_is_constant_when_lines_grow_from_10_to_1000(merchant, today):
    url = reverse(URL)
    bulk_backorder_lines(10, number_start=100)
    few, _ = queries_for(merchant, url, queue="all")
    bulk_backorder_lines(990, number_start=200000)
    many, response = queries_for(merchant, url, queue="all")
    assert few == many
    assert response.context["cl"].result_count == 1000
    # with the payment column filled in, still constant
    order_ids = BackorderLine.objects.values_list("order_id", flat=True)
    source_type = SourceTypeFactory()
    Source.objects.bulk_create(
        Source(order_id=pk, source_type=source_type, currency="GBP", amount_allocated=24)
        for pk in order_ids
    )
    with_payments, response = queries_for(merchant, url, queue="all")
    assert with_payments == many
    assert "authorised £24.00" in response.content.decode()


def test_deep_queue_page_query_count_is_constant_when_lines_grow(merchant, today):
    url = reverse(URL)
    bulk_backorder_lines(120, number_start=100)
    few, response = queries_for(merchant, url, queue="all", p=2)
    first_rows = [line.pk for line in response.context["cl"].result_list]
    bulk_backorder_lines(880, number_start=200000)
    many, response = queries_for(merchant, url, queue="all", p=20)
    assert few == many
    assert len(response.context["cl"].result_list) == 50
    assert len(first_rows) == 50


def test_queue_pages_follow_the_queue_order_when_split_in_two_queries(merchant, today):
    bulk_backorder_lines(130)
    expected = list(
        BackorderLine.objects.order_by("-priority", "date_created", "pk").values_list(
            "pk", flat=True
        )
    )
    seen = []
    for page in (1, 2, 3):
        response = merchant.get(reverse(URL), {"queue": "all", "p": page})
        seen.extend(line.pk for line in response.context["cl"].result_list)
    assert seen == expected


def test_queue_shows_only_open_lines_when_no_status_is_chosen(merchant, today):
    bulk_backorder_lines(10)
    response = merchant.get(reverse(URL))
    statuses = {line.status for line in response.context["cl"].result_list}
    assert statuses == {"waiting", "allocated"}
    assert response.context["cl"].result_count == 6
    everything = merchant.get(reverse(URL), {"queue": "all"})
    assert everything.context["cl"].result_count == 10


def test_queue_shows_the_queue_columns(merchant, today):
    bulk_backorder_lines(1, number_start=700)
    page = merchant.get(reverse(URL)).content.decode()
    for heading in ("Order / customer", "Product", "Units", "Promised", "Priority", "Payment"):
        assert heading in page
    assert "guest0@example.com" in page
    assert "700" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"queue": "waiting"}, 4),
        ({"queue": "allocated"}, 2),
        ({"queue": "shipped"}, 2),
        ({"queue": "cancelled"}, 2),
        ({"queue": "all", "q": "500003"}, 1),
        ({"queue": "all", "q": "guest4@example.com"}, 1),
    ],
)
def test_queue_filters_and_searches_when_asked(merchant, today, params, expected):
    bulk_backorder_lines(10)
    response = merchant.get(reverse(URL), params)
    assert response.context["cl"].result_count == expected


def test_queue_searches_by_sku_and_upc_when_given_exactly(merchant, today):
    products = bulk_backorder_lines(10, products=2)
    record = products[0].stockrecords.get()
    by_sku = merchant.get(reverse(URL), {"queue": "all", "q": record.partner_sku})
    by_upc = merchant.get(reverse(URL), {"queue": "all", "q": products[0].upc})
    assert by_sku.context["cl"].result_count == 5
    assert by_upc.context["cl"].result_count == 5


def test_queue_filters_overdue_lines_when_the_promise_has_passed(merchant, today):
    bulk_backorder_lines(10)
    BackorderLine.objects.filter(order__number="500000").update(
        promised_date=today - dt.timedelta(1)
    )
    BackorderLine.objects.filter(order__number="500001").update(
        promised_date=today - dt.timedelta(1)
    )  # also open (waiting)
    BackorderLine.objects.filter(order__number="500003").update(
        promised_date=today - dt.timedelta(1)
    )  # shipped: not overdue
    response = merchant.get(reverse(URL), {"overdue": "promise"})
    assert {line.order.number for line in response.context["cl"].result_list} == {
        "500000",
        "500001",
    }


def test_queue_filters_by_estimate_range_when_asked(merchant, today):
    bulk_backorder_lines(5)
    BackorderLine.objects.update(estimated_date=today + dt.timedelta(days=40))
    BackorderLine.objects.filter(order__number="500000").update(
        estimated_date=today + dt.timedelta(days=3)
    )
    soon = merchant.get(reverse(URL), {"queue": "all", "estimate": "week"})
    later = merchant.get(reverse(URL), {"queue": "all", "estimate": "later"})
    assert soon.context["cl"].result_count == 1
    assert later.context["cl"].result_count == 4


def test_payment_state_is_a_dash_when_the_order_has_no_payment_data(today):
    bulk_backorder_lines(1)
    line = BackorderLine.objects.get()
    assert payment_state(line) == "—"
    Source.objects.create(
        order=line.order,
        source_type=SourceTypeFactory(),
        currency="GBP",
        amount_allocated=Decimal("24.00"),
        amount_debited=Decimal("12.00"),
    )
    line = BackorderLine.objects.get()
    assert payment_state(line) == "authorised £24.00, captured £12.00"


def test_queue_is_refused_when_staff_has_no_view_permission(client, today):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(URL)).status_code == 403


def test_queue_filters_by_any_estimate_range_given_in_the_url(merchant, today):
    bulk_backorder_lines(5)
    BackorderLine.objects.update(estimated_date=today + dt.timedelta(days=40))
    BackorderLine.objects.filter(order__number="500001").update(
        estimated_date=dt.date(2026, 12, 10)
    )
    response = merchant.get(
        reverse(URL),
        {"queue": "all", "estimated_date__gte": "2026-12-01", "estimated_date__lte": "2026-12-31"},
    )
    assert [line.order.number for line in response.context["cl"].result_list] == ["500001"]


def test_queue_searches_words_of_the_product_title(merchant, today):
    products = bulk_backorder_lines(10, products=2)
    Line.objects.filter(product=products[1]).update(title="Ceramic pour-over")
    response = merchant.get(reverse(URL), {"queue": "all", "q": "pour-over"})
    assert response.context["cl"].result_count == 5
