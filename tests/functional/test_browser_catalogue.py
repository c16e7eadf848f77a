"""The catalogue, a product page and "ships later" in each language, in a real browser.

Runs the sandbox (``tests/browser.py``) in headless Chromium. For each of en, nl, zh-hans and id it
saves ``catalogue-<lang>.png``, ``product-<lang>.png`` and ``ships-later-<lang>.png`` under
``var/screenshots/catalogue/``, and checks that the dates, their icons and the grid are visible.
"""

from __future__ import annotations

import json

import pytest

from tests.browser import SCREENSHOTS, Journey

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "", "nl": "/nl", "zh-hans": "/zh-hans", "id": "/id"}
BACKORDER, PREORDER = "BO-BACKORDER", "BO-PREORDER"

#: Runs inside the sandbox: what the tiles of the demo products say, in each language.
_TEXTS = """
import json
from django.utils import translation
from oscar.core.loading import get_class, get_model
Product = get_model("catalogue", "Product")
texts = {}
for lang in %(languages)r:
    with translation.override(lang):
        strategy = get_class("partner.strategy", "Selector")().strategy()
        texts[lang] = {
            upc: strategy.fetch_for_product(Product.objects.get(upc=upc)).availability.dated_message
            for upc in %(upcs)r
        }
        texts[lang]["ships later"] = str(translation.gettext("Ships later"))
print("TEXTS " + json.dumps(texts))
"""


@pytest.fixture(scope="module")
def texts(sandbox):
    script = _TEXTS % {"languages": list(LANGUAGES), "upcs": [BACKORDER, PREORDER]}
    out = sandbox.manage("shell", "-c", script).stdout.splitlines()
    return json.loads(
        next(line for line in out if line.startswith("TEXTS ")).removeprefix("TEXTS ")
    )


@pytest.fixture(scope="module")
def folder():
    Journey.written.append(SCREENSHOTS / "catalogue")
    (SCREENSHOTS / "catalogue").mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / "catalogue"


def shot(page, folder, name):
    page.wait_for_load_state("load")
    page.screenshot(path=str(folder / name), full_page=True)


def check_tile(page, sandbox, texts, upc, icon):
    tile = page.locator("article.product_pod").filter(has_text=sandbox.title(upc))
    availability = tile.locator(".backorder-availability")
    assert availability.is_visible(), f"no dated availability on the tile of {upc}: {page.url}"
    assert texts[upc] in availability.inner_text(), (texts[upc], availability.inner_text())
    assert tile.locator(f"i.{icon}[aria-hidden=true]").is_visible()
    assert tile.locator("i.fa-check-circle").count() == 0


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_customer_sees_dates_icons_and_the_ships_later_grid_when_browsing_in_language(
    sandbox, browser_page, texts, folder, language
):
    page, prefix, said = browser_page, LANGUAGES[language], texts[language]
    assert said[BACKORDER] and said[PREORDER]

    page.goto(f"{sandbox.url}{prefix}/catalogue/")
    shot(page, folder, f"catalogue-{language}.png")
    check_tile(page, sandbox, said, BACKORDER, "fa-clock")
    check_tile(page, sandbox, said, PREORDER, "fa-calendar-alt")

    page.goto(f"{sandbox.url}{prefix}{sandbox.products[BACKORDER]['path']}")
    shot(page, folder, f"product-{language}.png")
    main = page.locator(".product_main")
    assert main.locator(".backorder-availability i.fa-clock").is_visible()
    assert said[BACKORDER] in main.locator(".backorder-availability").inner_text()
    assert main.locator("#backorder_alert_form").is_visible()

    page.goto(f"{sandbox.url}{prefix}/backorders/ships-later/")
    shot(page, folder, f"ships-later-{language}.png")
    assert said["ships later"] in page.locator("h1").inner_text()
    grid = page.locator("ol.backorder-ships-later")
    assert grid.is_visible() and grid.locator("article.product_pod").count() >= 2
    assert page.locator("select[name=sort_by]").is_visible()
    check_tile(page, sandbox, said, BACKORDER, "fa-clock")
    check_tile(page, sandbox, said, PREORDER, "fa-calendar-alt")
    assert grid.locator("img").first.is_visible()
