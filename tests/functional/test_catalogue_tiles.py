"""Product tiles on category and search pages: a product that ships later shows its date."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import oscar
import pytest
from django.db import connection
from django.template import Context, engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import CategoryFactory

from oscar_backorders.abstract_models import PolicyMode
from tests.factories import stocked_product

pytestmark = pytest.mark.django_db

ProductCategory = get_model("catalogue", "ProductCategory")

OSCAR_TILE = Path(oscar.__file__).parent / "templates/oscar/catalogue/partials/product.html"


@pytest.fixture
def search_index(tmp_path, settings):
    """A real (Whoosh) search index for this test: Oscar's category pages list products
    through the search backend, and the tests' simple backend lists none. Call it to index."""
    from django.core.management import call_command
    from haystack import connections

    saved = connections.connections_info
    settings.HAYSTACK_CONNECTIONS = connections.connections_info = {
        "default": {
            "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
            "PATH": str(tmp_path / "whoosh"),
        }
    }
    connections.reload("default")
    yield lambda: call_command("rebuild_index", interactive=False, verbosity=0)
    connections.connections_info = saved
    connections.thread_local.connections.pop("default", None)


def in_category(category, title, **kwargs):
    product = stocked_product(**kwargs)
    product.title = title
    product.save()
    ProductCategory.objects.create(product=product, category=category)
    return product


def tile(page: str, title: str) -> str:
    """The ``<article>`` of the tile titled ``title`` on ``page``."""
    for article in re.findall(r'<article class="product_pod">.*?</article>', page, re.S):
        if f'title="{title}"' in article:
            return article
    raise AssertionError(f"no tile for {title!r}")


def test_tile_shows_the_backorder_date_with_its_own_icon_when_product_ships_later(
    client, today, search_index
):
    category = CategoryFactory()
    product = in_category(category, "Pour-over", num_in_stock=0, lead_time_days=10)
    search_index()
    page = client.get(category.get_absolute_url()).content.decode()
    article = tile(page, "Pour-over")
    assert "Available on backorder — ships by 8 Dec" in article
    assert 'class="fas fa-clock" aria-hidden="true"' in article
    assert "fa-check-circle" not in article
    assert "Add to basket" in article and "£10.00" in article
    # The same promise as the product page's.
    assert (
        "Available on backorder — ships by 8 Dec"
        in client.get(product.get_absolute_url()).content.decode()
    )


def test_tile_shows_the_release_date_with_a_calendar_icon_when_product_is_a_preorder(
    client, today, search_index
):
    category = CategoryFactory()
    in_category(
        category,
        "Winter catalogue",
        num_in_stock=5,
        mode=PolicyMode.PREORDER,
        release_date=dt.date(2026, 12, 10),
    )
    search_index()
    article = tile(client.get(category.get_absolute_url()).content.decode(), "Winter catalogue")
    assert "Pre-order — releases 10 Dec" in article
    assert 'class="fas fa-calendar-alt" aria-hidden="true"' in article
    assert "fa-clock" not in article and "fa-check-circle" not in article


def test_tile_says_in_stock_with_oscars_check_icon_when_a_backorderable_product_is_on_the_shelf(
    client, today, search_index
):
    category = CategoryFactory()
    in_category(category, "Apron", num_in_stock=3)
    search_index()
    article = tile(client.get(category.get_absolute_url()).content.decode(), "Apron")
    assert "fa-check-circle" in article and "In stock" in article
    assert "ships by" not in article


def test_search_results_show_the_backorder_date_on_tiles(client, today, search_index):
    category = CategoryFactory()
    in_category(category, "Pour-over", num_in_stock=0, lead_time_days=10)
    search_index()
    page = client.get(reverse("search:search"), {"q": "Pour-over"}).content.decode()
    article = tile(page, "Pour-over")
    assert "Available on backorder — ships by 8 Dec" in article and "fa-clock" in article


def _render(template, request, product):
    return template.render(Context({"request": request, "product": product, "csrf_token": "t"}))


def test_tile_markup_is_oscars_own_when_product_has_no_policy(client, today, search_index):
    category = CategoryFactory()
    plain = in_category(category, "Kettle", num_in_stock=2, mode=None)
    in_category(category, "Pour-over", num_in_stock=0)  # the shop has policies
    search_index()
    request = client.get(category.get_absolute_url()).wsgi_request
    engine = engines["django"].engine
    ours = engine.get_template("oscar/catalogue/partials/product.html")
    oscars = engine.from_string(OSCAR_TILE.read_text())
    request.strategy.prepare_product_list([plain])
    assert _render(ours, request, plain) == _render(oscars, request, plain)


def _count(client, url, data=None):
    """(all queries, the plugin's) of a second visit to ``url`` (the first warms the session)."""
    client.get(url, data)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, data)
    sqls = [q["sql"] for q in ctx.captured_queries]
    return len(sqls), sum("oscar_backorders_" in sql for sql in sqls)


@pytest.mark.parametrize("where", ["category", "search"])
def test_tile_dates_cost_the_same_queries_for_1_and_20_products_that_ship_later(
    client, today, search_index, where
):
    pages = {}
    for word, count, mode in (("Alpha", 1, "backorder"), ("Bravo", 20, "backorder")) + (
        ("Charlie", 1, None),
        ("Delta", 20, None),
    ):
        category = CategoryFactory(name=word)
        for number in range(count):
            in_category(category, f"{word} {number}", num_in_stock=0, mode=mode)
        pages[word] = (
            (category.get_absolute_url(), None)
            if where == "category"
            else (reverse("search:search"), {"q": word})
        )
    search_index()
    counts = {word: _count(client, *pages[word]) for word in pages}
    page = client.get(*pages["Bravo"]).content.decode()
    assert page.count("Available on backorder — ships by 8 Dec") == 20
    # The plugin's queries (policies, estimates) do not grow with the tiles...
    assert counts["Bravo"][1] == counts["Alpha"][1]
    # ... nor does the page grow faster than plain Oscar's tiles make it grow.
    assert counts["Bravo"][0] - counts["Alpha"][0] <= counts["Delta"][0] - counts["Charlie"][0]


def test_category_page_makes_no_plugin_query_when_no_product_has_a_policy(
    client, today, search_index
):
    category = CategoryFactory()
    for number in range(5):
        in_category(category, f"Kettle {number}", num_in_stock=number, mode=None)
    search_index()
    total, ours = _count(client, category.get_absolute_url())
    page = client.get(category.get_absolute_url()).content.decode()
    assert ours == 0
    assert page.count('<article class="product_pod">') == 5
    assert 'class="fas fa-clock"' not in page and page.count("fa-check-circle") == 4
