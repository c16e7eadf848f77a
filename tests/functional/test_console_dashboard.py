"""Oscar's dashboard order page shows the backorder state of each line."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_backorders import services
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_dashboard_order_page_shows_each_lines_backorder_state(staff, strategy, today):
    backordered = stocked_product(num_in_stock=0)
    in_stock = stocked_product(num_in_stock=10)
    order = place(basket_with(strategy, (backordered, 3), (in_stock, 1)), number="424242")
    line = order.backorder_lines.get()
    services.allocate_units(line.pk, 1, reason="arrived")
    response = staff.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="backorder-state"' in page
    assert "backorder-state-waiting" in page
    assert "backorder-state-in-stock" in page
    assert "From stock, nothing backordered" in page
    assert reverse("admin:oscar_backorders_backorderline_change", args=[line.pk]) in page
    # Oscar's own page is still there around it.
    assert "Items ordered" in page


def test_dashboard_order_page_has_no_backorder_table_when_nothing_was_backordered(
    staff, strategy, today
):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=10), 1)), number="424243")
    page = staff.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert page.status_code == 200
    assert 'id="backorder-state"' not in page.content.decode()


def test_backorder_states_tag_costs_one_query_whatever_the_number_of_lines(
    strategy, today, django_assert_num_queries
):
    products = [stocked_product(num_in_stock=0) for _ in range(4)]
    order = place(basket_with(strategy, *[(p, 1) for p in products]), number="424244")
    lines = list(order.lines.all())
    template = Template(
        "{% load backorder_console %}{% backorder_states order lines as rows %}"
        "{% for row in rows %}{{ row.backorder.status }};{% endfor %}"
    )
    with django_assert_num_queries(1):
        rendered = template.render(Context({"order": order, "lines": lines}))
    assert rendered == "waiting;" * 4
