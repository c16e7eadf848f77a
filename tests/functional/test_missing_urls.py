"""A shop that forgot to include the plugin's URLs: its pages still render, and a system check
names the missing ``include``."""

from __future__ import annotations

import pytest
from django.core import checks
from django.urls import clear_url_caches

from oscar_backorders.checks import check_urls
from tests.factories import stocked_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_plugin_urls(settings):
    settings.ROOT_URLCONF = "tests.urls_without_plugin"
    clear_url_caches()
    yield
    clear_url_caches()


def test_catalogue_and_product_pages_render_without_plugin_links_when_urls_are_not_included(
    client, without_plugin_urls
):
    waiting = stocked_product(num_in_stock=0)
    home = client.get("/", follow=True)
    catalogue = client.get("/catalogue/", follow=True)
    product = client.get(waiting.get_absolute_url())
    assert (home.status_code, catalogue.status_code, product.status_code) == (200, 200, 200)
    assert b"ships-later" not in catalogue.content
    assert b"ships-later" not in product.content


def test_missing_url_include_is_a_system_check_error_naming_the_line_to_add(without_plugin_urls):
    [error] = check_urls()
    assert error.id == "oscar_backorders.E130"
    assert error.level == checks.ERROR
    assert 'include("oscar_backorders.urls")' in error.hint
    assert "tests.urls_without_plugin" in error.hint


def test_no_url_error_when_the_plugin_urls_are_included():
    assert check_urls() == []
