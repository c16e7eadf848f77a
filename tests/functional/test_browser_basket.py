"""A guest changes basket quantities with the Update button while a line is on backorder.

Runs the sandbox (``tests/browser.py``) in headless Chromium. Oscar's basket page sends Update by
AJAX and redraws the basket from the answer; each step checks the redrawn quantities and totals,
then that a fresh load of the page (what is saved) shows the same. Screenshots go under
``var/screenshots/basket-quantities/``.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.browser import Journey

pytestmark = pytest.mark.browser

IN_STOCK, BACKORDER = "BO-INSTOCK", "BO-BACKORDER"


def quantity_input(page, sandbox, upc):
    row = page.locator("#basket_formset .basket-items").filter(has_text=sandbox.title(upc))
    return row.locator("input[name$='-quantity']")


def press_update(page, sandbox, upc, quantity):
    """Type ``quantity`` into ``upc``'s line and press that line's Update button."""
    field = quantity_input(page, sandbox, upc)
    field.fill(str(quantity))
    row = page.locator("#basket_formset .basket-items").filter(has_text=sandbox.title(upc))
    with page.expect_response(lambda r: r.request.method == "POST" and "/basket/" in r.url):
        row.get_by_role("button", name="Update").click()


def basket_total(sandbox, quantities):
    total = sum(Decimal(sandbox.products[upc]["price"]) * n for upc, n in quantities.items())
    return f"£{total:,.2f}"


def assert_basket_shows(page, sandbox, quantities):
    from playwright.sync_api import expect

    for upc, quantity in quantities.items():
        expect(quantity_input(page, sandbox, upc)).to_have_value(str(quantity))
    expect(page.locator("#basket_totals")).to_contain_text(basket_total(sandbox, quantities))
    expect(page.locator(".error-block")).to_have_count(0)


def test_guest_changes_quantities_with_update_when_a_line_is_on_backorder(sandbox, browser_page):
    page = browser_page
    journey = Journey(page, "basket-quantities")
    for upc in (IN_STOCK, BACKORDER):
        page.goto(sandbox.product_url(upc))
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.wait_for_load_state("load")
    page.goto(sandbox.url + "/basket/")
    page.wait_for_load_state("networkidle")  # Oscar's basket script binds Update once loaded
    ships_by = f"ships by {sandbox.ships_by(BACKORDER)}"
    journey.step("basket", expects=[sandbox.title(IN_STOCK), f"1 backordered — {ships_by}"])

    steps = [
        ("backordered-raised", BACKORDER, 3, {IN_STOCK: 1, BACKORDER: 3}),
        ("in-stock-raised", IN_STOCK, 2, {IN_STOCK: 2, BACKORDER: 3}),
        ("backordered-lowered", BACKORDER, 1, {IN_STOCK: 2, BACKORDER: 1}),
    ]
    for name, upc, quantity, expected in steps:
        press_update(page, sandbox, upc, quantity)
        assert_basket_shows(page, sandbox, expected)
        shown = page.locator("#basket_totals").inner_text()
        journey.step(name, expects=[f"{expected[BACKORDER]} backordered — {ships_by}"])

        # What the page showed is what the basket holds: a fresh load draws the same.
        page.goto(sandbox.url + "/basket/")
        page.wait_for_load_state("networkidle")
        assert_basket_shows(page, sandbox, expected)
        assert page.locator("#basket_totals").inner_text() == shown
        assert not re.search(r"must be at least 1", page.inner_text("body"))
