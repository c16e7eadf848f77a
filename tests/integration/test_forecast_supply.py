"""Reorder advice from order history: the forecast, the promotion calendar, order costs, and
the cap to inbound supply that rises before a promotion."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import CategoryFactory, OrderFactory, OrderLineFactory, UserFactory

from oscar_backorders.supply import tasks
from oscar_backorders.supply.reorder import reorder_advice
from tests.factories import stocked_product
from tests.supply_factories import SupplierFactory

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Promotion = get_model("oscar_backorders", "Promotion")
DemandForecast = get_model("oscar_backorders", "DemandForecast")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
ProductCategory = get_model("catalogue", "ProductCategory")

TODAY = dt.date(2026, 11, 24)


def sold(record, *, days=120, per_day=2, varied=False):
    """``per_day`` units ordered on each of the last ``days`` days (one order a day); with
    ``varied``, 1 to 3 units in turn."""
    for back in range(days):
        order = OrderFactory()
        quantity = 1 + back % 3 if varied else per_day
        OrderLineFactory(order=order, product=record.product, stockrecord=record, quantity=quantity)
        placed = dt.datetime.combine(TODAY - dt.timedelta(days=back), dt.time(12), tzinfo=dt.UTC)
        Order.objects.filter(pk=order.pk).update(date_placed=placed)


@pytest.fixture
def selling(today):
    product = stocked_product(num_in_stock=10, lead_time_days=10)  # 10 business days: 14 days
    record = product.stockrecords.get()
    sold(record)
    return record


def advice_of(record):
    (advice,) = reorder_advice([record.pk])
    return advice


def test_reorder_point_follows_the_forecast_over_the_lead_time(selling):
    advice = advice_of(selling)
    assert advice.forecast_method == "ses"
    assert advice.lead_time_demand == pytest.approx(28, abs=0.5)
    assert advice.reorder_point == 28


def test_product_promotion_raises_the_reorder_point_before_it_starts(selling):
    before = advice_of(selling).reorder_point
    Promotion.objects.create(
        name="Flash sale",
        kind="flash_sale",
        product=selling.product,
        start_date=TODAY + dt.timedelta(days=7),
        end_date=TODAY + dt.timedelta(days=8),
        uplift_percent=200,
    )
    assert advice_of(selling).reorder_point == before + 8  # two days at 3 × 2 units


def test_category_promotion_counts_for_products_in_subcategories(selling):
    parent = CategoryFactory(name="Kitchen")
    child = parent.add_child(name="Kettles")
    ProductCategory.objects.create(product=selling.product, category=child)
    Promotion.objects.create(
        name="Kitchen week",
        category=parent,
        start_date=TODAY + dt.timedelta(days=1),
        end_date=TODAY + dt.timedelta(days=7),
        uplift_percent=50,
    )
    assert advice_of(selling).lead_time_demand == pytest.approx(28 + 7, abs=0.5)


def test_forecast_can_be_turned_off_for_the_window_mean(selling, settings):
    settings.BACKORDERS_FORECAST_HISTORY_DAYS = 0
    advice = advice_of(selling)
    assert advice.forecast_method == "window mean" and advice.reorder_point == 28


def test_order_and_holding_costs_of_the_preferred_supplier_give_the_economic_quantity(selling):
    SupplierStockRecord.objects.create(
        supplier=SupplierFactory(),
        stockrecord=selling,
        is_preferred=True,
        order_cost=Decimal("20"),
        holding_cost=Decimal("1"),
    )
    advice = advice_of(selling)
    # 2 a day: 730 a year; sqrt(2 × 730 × 20 / 1) = 170.9.
    assert advice.order_rule == "economic order quantity"
    assert advice.economic_order_quantity == 171
    assert advice.suggested_quantity == 28 + 171 - 10


def test_a_cost_that_is_not_positive_is_refused_by_the_database(selling):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        SupplierStockRecord.objects.create(
            supplier=SupplierFactory(), stockrecord=selling, order_cost=Decimal("0")
        )


def test_promotion_needs_a_product_or_a_category_and_days_in_order(selling):
    from django.core.exceptions import ValidationError

    both = Promotion(
        name="x",
        product=selling.product,
        category=CategoryFactory(),
        start_date=TODAY,
        end_date=TODAY,
        uplift_percent=10,
    )
    with pytest.raises(ValidationError, match="a product or a category, not both"):
        both.full_clean()
    backwards = Promotion(
        name="x",
        product=selling.product,
        start_date=TODAY,
        end_date=TODAY - dt.timedelta(days=1),
        uplift_percent=10,
    )
    with pytest.raises(ValidationError, match="cannot be before the first day"):
        backwards.full_clean()


def test_cap_to_inbound_allowance_rises_before_a_promotion_when_read_from_the_forecast(
    selling, settings, strategy
):
    settings.BACKORDERS_CAP_TO_INBOUND = True
    settings.BACKORDERS_INBOUND_ALLOWANCE = 5
    settings.BACKORDERS_INBOUND_ALLOWANCE_FROM_FORECAST = True
    type(selling).objects.filter(pk=selling.pk).update(num_in_stock=0)
    product = selling.product

    def available():
        from oscar.core.loading import get_class

        strategy = get_class("partner.strategy", "Selector")().strategy()
        return strategy.fetch_for_product(product).availability.num_available

    assert available() == 5  # no forecast kept yet: the plain allowance
    tasks.check_reorder_points.delay().get()
    assert DemandForecast.objects.get(stockrecord=selling).lead_time_demand == 28
    assert available() == 28
    Promotion.objects.create(
        name="Launch",
        kind="launch",
        product=product,
        start_date=TODAY + dt.timedelta(days=10),
        end_date=TODAY + dt.timedelta(days=11),
        uplift_percent=100,
    )
    tasks.check_reorder_points.delay().get()
    assert available() == 28 + 4
    settings.BACKORDERS_INBOUND_ALLOWANCE_FROM_FORECAST = False
    assert available() == 5


def test_reorder_page_shows_forecast_and_backtest_error_in_constant_queries(client, today):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:oscar_backorders_purchaseorder_reorder") + "?all=1"
    records = []
    for _ in range(2):
        record = stocked_product(num_in_stock=0).stockrecords.get()
        sold(record, days=60, varied=True)
        records.append(record)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "backtest error (MASE)" in page and "smoothed level with seasons" in page
    assert re.search(r"<td>\d+\.\d\d <small>\(\d+\.\d\d\)</small></td>", page)
    for _ in range(3):
        record = stocked_product(num_in_stock=0).stockrecords.get()
        sold(record, days=60, varied=True)
    with CaptureQueriesContext(connection) as more:
        page = client.get(url).content.decode()
    assert page.count("smoothed level with seasons") == 5
    assert len(more) == len(few)


def test_merchant_adds_a_promotion_in_the_admin_and_both_product_and_category_are_refused(
    client, selling
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:oscar_backorders_promotion_add")
    data = {
        "name": "Spring launch",
        "kind": "launch",
        "product": selling.product.pk,
        "category": CategoryFactory().pk,
        "start_date": "2026-12-01",
        "end_date": "2026-12-03",
        "uplift_percent": "150",
    }
    page = client.post(url, data).content.decode()
    assert "Choose a product or a category, not both." in page
    assert not Promotion.objects.exists()
    client.post(url, {**data, "category": ""})
    promo = Promotion.objects.get()
    assert (promo.product, promo.uplift_percent) == (selling.product, 150)
