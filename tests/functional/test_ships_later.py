"""The "ships later" page (R11) and what a backordered product's page offers those who won't wait."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.partner.prices import FixedPrice
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import CategoryFactory, PartnerFactory, UserFactory

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.strategy import add_backorders
from tests.factories import BackorderPolicyFactory, stocked_product

pytestmark = pytest.mark.django_db

ProductCategory = get_model("catalogue", "ProductCategory")
ProductRecommendation = get_model("catalogue", "ProductRecommendation")
ProductAlert = get_model("customer", "ProductAlert")

URL = reverse("oscar_backorders:ships-later")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def titled(product, title):
    product.title = title
    product.save()
    return product


def test_lists_backordered_and_preordered_products_with_their_dates(client, today):
    titled(stocked_product(num_in_stock=0, lead_time_days=10), "Pour-over")
    titled(
        stocked_product(
            num_in_stock=5, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10)
        ),
        "Winter catalogue",
    )
    titled(stocked_product(num_in_stock=5), "Apron with stock")
    titled(stocked_product(num_in_stock=0, mode=PolicyMode.OFF), "Kettle")
    titled(stocked_product(num_in_stock=0, mode=None), "No policy")
    page = client.get(URL).content.decode()
    assert "Pour-over" in page and "Available on backorder — ships by 8 Dec" in page
    assert "Winter catalogue" in page and "Pre-order — releases 10 Dec" in page
    for absent in ("Apron with stock", "Kettle", "No policy"):
        assert absent not in page


def _tiles(page):
    """The titles of the page's product tiles, in order."""
    import re

    return re.findall(
        r'<article class="product_pod">.*?<h3 class="mt-3">\s*<a [^>]*title="([^"]+)"', page, re.S
    )


def _three_products():
    titled(stocked_product(num_in_stock=0, lead_time_days=20, price=Decimal("12.00")), "Apron")
    titled(stocked_product(num_in_stock=0, lead_time_days=10, price=Decimal("5.00")), "Kettle")
    titled(stocked_product(num_in_stock=0, lead_time_days=3, price=Decimal("30.00")), "Grinder")


def test_grid_shows_a_tile_per_product_with_image_price_date_and_add_to_basket(client, today):
    titled(stocked_product(num_in_stock=0, lead_time_days=10), "Pour-over")
    page = client.get(URL).content.decode()
    article = page.split('<article class="product_pod">')[1].split("</article>")[0]
    assert "Pour-over" in article and "<img" in article and "£10.00" in article
    assert "Available on backorder — ships by 8 Dec" in article and "fa-clock" in article
    assert "Add to basket" in article and 'action="/basket/add/' in article
    assert "<table" not in page


def test_grid_is_sorted_soonest_ship_date_first_by_default(client, today):
    _three_products()
    assert _tiles(client.get(URL).content.decode()) == ["Grinder", "Kettle", "Apron"]


@pytest.mark.parametrize(
    ("sort_by", "expected"),
    [
        ("ship-date", ["Grinder", "Kettle", "Apron"]),
        ("title-asc", ["Apron", "Grinder", "Kettle"]),
        ("title-desc", ["Kettle", "Grinder", "Apron"]),
        ("price-asc", ["Kettle", "Apron", "Grinder"]),
        ("price-desc", ["Grinder", "Apron", "Kettle"]),
    ],
)
def test_grid_is_sorted_as_the_customer_chooses_when_sort_by_is_given(
    client, today, sort_by, expected
):
    _three_products()
    page = client.get(URL, {"sort_by": sort_by}).content.decode()
    assert _tiles(page) == expected
    assert f'<option value="{sort_by}" selected>' in page


def test_unknown_sort_order_is_refused_with_a_message_and_soonest_first_shown(client, today):
    _three_products()
    response = client.get(URL, {"sort_by": "cheapest; DROP TABLE"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a way this list can be sorted; it is shown soonest ship date first." in page
    assert _tiles(page) == ["Grinder", "Kettle", "Apron"]


def test_pages_follow_the_chosen_order(client, today):
    _three_products()
    with override_settings(BACKORDERS_SHIPS_LATER_PAGE_SIZE=2):
        first = client.get(URL, {"sort_by": "title-asc"}).content.decode()
        second = client.get(URL, {"sort_by": "title-asc", "page": 2}).content.decode()
    assert _tiles(first) == ["Apron", "Grinder"] and _tiles(second) == ["Kettle"]
    assert "sort_by=title-asc&amp;page=2" in first


def test_partner_default_and_shop_default_policies_count(client, today):
    partner = PartnerFactory()
    BackorderPolicyFactory(stockrecord=None, partner=partner, mode=PolicyMode.BACKORDER)
    titled(stocked_product(num_in_stock=0, mode=None, partner=partner), "Partner default")
    titled(stocked_product(num_in_stock=0, mode=PolicyMode.INHERIT), "Shop default")
    assert "Partner default" in client.get(URL).content.decode()
    assert "Shop default" not in client.get(URL).content.decode()
    cache.clear()
    with override_settings(BACKORDERS_DEFAULT_MODE="backorder"):
        assert "Shop default" in client.get(URL).content.decode()


def test_page_is_paginated(client, today):
    for number in range(5):
        titled(stocked_product(num_in_stock=0), f"Product {number}")
    with override_settings(BACKORDERS_SHIPS_LATER_PAGE_SIZE=2):
        first = client.get(URL).content.decode()
        last = client.get(URL, {"page": 3}).content.decode()
    assert "Product 0" in first and "Product 1" in first and "Product 2" not in first
    assert "Page 1 of 3" in first
    assert "Product 4" in last and "Product 0" not in last


def test_list_is_cached_until_it_expires(client, today):
    titled(stocked_product(num_in_stock=0), "Cached one")
    client.get(URL)
    titled(stocked_product(num_in_stock=0), "Added later")
    assert "Added later" not in client.get(URL).content.decode()
    cache.clear()
    assert "Added later" in client.get(URL).content.decode()


def _count_page_queries(client, data=None):
    client.get(URL, data)  # the visitor's session and basket exist before counting
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL, data)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("sort_by", [None, "price-desc"])
def test_page_queries_do_not_grow_with_the_products(client, today, sort_by):
    data = {"sort_by": sort_by} if sort_by else None
    for _ in range(2):
        stocked_product(num_in_stock=0)
    two = _count_page_queries(client, data)
    for _ in range(6):
        stocked_product(num_in_stock=0)
    stocked_product(num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10))
    assert _count_page_queries(client, data) == two


def test_catalogue_links_to_the_page(client, today):
    page = client.get(reverse("catalogue:index")).content.decode()
    assert URL in page


def _product_in_category(category, **kwargs):
    product = stocked_product(**kwargs)
    ProductCategory.objects.create(product=product, category=category)
    return product


def _product_page_queries(client, product):
    with CaptureQueriesContext(connection) as ctx:
        client.get(product.get_absolute_url())
    return len(ctx.captured_queries)


def test_alternatives_cost_the_same_queries_however_many_candidates(client, today):
    category = CategoryFactory()
    waiting = _product_in_category(category, num_in_stock=0)
    _product_in_category(category, num_in_stock=2, mode=None)
    client.get(waiting.get_absolute_url())  # warm the session and basket
    cache.clear()
    few = _product_page_queries(client, waiting)
    for _ in range(6):
        _product_in_category(category, num_in_stock=2, mode=None)
    cache.clear()
    assert _product_page_queries(client, waiting) == few


def test_alternatives_are_cached_per_product_for_the_next_visitor(client, today):
    category = CategoryFactory()
    waiting = _product_in_category(category, num_in_stock=0)
    titled(_product_in_category(category, num_in_stock=2, mode=None), "Drip cone")
    client.get(waiting.get_absolute_url())
    cache.clear()
    first = _product_page_queries(client, waiting)
    again = _product_page_queries(client, waiting)
    assert again <= first - 2  # at least the candidates and their stock records
    assert "Drip cone" in client.get(waiting.get_absolute_url()).content.decode()


def test_backordered_product_page_offers_in_stock_alternatives(client, today):
    category = CategoryFactory()
    waiting = titled(_product_in_category(category, num_in_stock=0), "Pour-over")
    titled(_product_in_category(category, num_in_stock=4, mode=None), "Drip cone")
    titled(_product_in_category(category, num_in_stock=0), "Other backorder")
    titled(_product_in_category(category, num_in_stock=0, mode=PolicyMode.OFF), "Sold out")
    recommended = titled(stocked_product(num_in_stock=2), "Recommended kettle")
    ProductRecommendation.objects.create(primary=waiting, recommendation=recommended)

    page = client.get(waiting.get_absolute_url()).content.decode()
    section = page.split("Available now instead")[1].split("</ul>")[0]
    assert "Recommended kettle" in section and "Drip cone" in section
    assert section.index("Recommended kettle") < section.index("Drip cone")
    assert "Other backorder" not in section and "Sold out" not in section


def test_in_stock_product_page_offers_no_alternatives(client, today):
    category = CategoryFactory()
    product = _product_in_category(category, num_in_stock=3)
    _product_in_category(category, num_in_stock=3)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Available now instead" not in page
    assert "backorder_alert_form" not in page


def test_customer_who_wont_wait_signs_up_for_back_in_stock_alert(client, today):
    product = stocked_product(num_in_stock=0)
    user = UserFactory()
    client.force_login(user)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "backorder_alert_form" in page
    assert reverse("customer:alert-create", kwargs={"pk": product.pk}) in page
    client.post(reverse("customer:alert-create", kwargs={"pk": product.pk}))
    assert ProductAlert.objects.get(product=product).user == user
    page = client.get(product.get_absolute_url()).content.decode()
    assert "You have an active stock alert for this product." in page


class _MembersPayLess(Default):
    """A shop's own pricing: signed-in members pay a tenth of the Grinder's price."""

    def pricing_policy(self, product, stockrecord):
        member = getattr(self.user, "is_authenticated", False) and self.user.first_name == "Member"
        if member and product.title == "Grinder" and stockrecord:
            return FixedPrice(
                currency=stockrecord.price_currency,
                excl_tax=stockrecord.price / 10,
                tax=Decimal("0.00"),
            )
        return super().pricing_policy(product, stockrecord)


class _Selector:
    def __init__(self, strategy_class):
        self.strategy_class = strategy_class

    def strategy(self, request=None, user=None, **kwargs):
        return add_backorders(self.strategy_class(request))


def _use_strategy(monkeypatch, strategy_class):
    from oscar.apps.basket import middleware

    monkeypatch.setattr(middleware, "selector", _Selector(strategy_class))


def _price_desc_for(client, first_name=None):
    if first_name:
        client.force_login(UserFactory(first_name=first_name))
    return _tiles(client.get(URL, {"sort_by": "price-desc"}).content.decode())


def test_price_order_is_each_customers_own_when_the_shop_prices_by_customer(
    client, today, monkeypatch
):
    _use_strategy(monkeypatch, _MembersPayLess)
    _three_products()  # Apron £12, Kettle £5, Grinder £30 (£3 for members)

    assert _price_desc_for(client) == ["Grinder", "Apron", "Kettle"]  # fills a cache first
    assert _price_desc_for(client, "Member") == ["Apron", "Kettle", "Grinder"]
    assert _price_desc_for(client, "Other") == ["Grinder", "Apron", "Kettle"]
    client.logout()
    assert _price_desc_for(client) == ["Grinder", "Apron", "Kettle"]


class _PriceGroups(_MembersPayLess):
    """The same shop, saying who shares prices: members and everyone else."""

    def backorders_price_group(self):
        member = getattr(self.user, "is_authenticated", False) and self.user.first_name == "Member"
        return "members" if member else "public"


def test_customers_of_one_price_group_share_the_cached_list_when_the_strategy_names_groups(
    client, today, monkeypatch
):
    _use_strategy(monkeypatch, _PriceGroups)
    _three_products()
    assert _price_desc_for(client, "Member") == ["Apron", "Kettle", "Grinder"]
    titled(stocked_product(num_in_stock=0, price=Decimal("1.00")), "Added later")

    # Another member is served the members' cached list; the public fill their own.
    assert _price_desc_for(client, "Member") == ["Apron", "Kettle", "Grinder"]
    assert _price_desc_for(client, "Other") == ["Grinder", "Apron", "Kettle", "Added later"]


def test_every_visitor_shares_one_cached_list_when_the_shop_prices_with_oscars_policies(
    client, today
):
    _three_products()
    assert _price_desc_for(client) == ["Grinder", "Apron", "Kettle"]
    titled(stocked_product(num_in_stock=0, price=Decimal("1.00")), "Added later")
    assert _price_desc_for(client, "Member") == ["Grinder", "Apron", "Kettle"]
