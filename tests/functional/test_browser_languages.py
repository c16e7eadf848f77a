"""A guest checks out in each of the shop's languages, in a real browser, and reads in plain words
what happens to their card.

Runs the sandbox (``tests/browser.py``) with headless Chromium. For each language the basket and
the thank-you page are saved as ``basket-<lang>.png`` and ``thank-you-<lang>.png`` under
``var/screenshots/checkout-languages/``.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from tests.browser import SCREENSHOTS, Journey

pytestmark = pytest.mark.browser

IN_STOCK, BACKORDER = "BO-INSTOCK", "BO-BACKORDER"
FOLDER = SCREENSHOTS / "checkout-languages"

#: language -> (URL prefix, babel locale, the preview's sentence, the thank-you page's sentence)
LANGUAGES = {
    "en": (
        "",
        "en_GB",
        "When you place your order, {amount} is authorised on your card; you are charged as "
        "items ship.",
        "{amount} authorised on your card; you are charged as items ship.",
    ),
    "nl": (
        "/nl",
        "nl",
        "Als je je bestelling plaatst, wordt {amount} op je kaart gereserveerd; er wordt "
        "afgeschreven zodra de artikelen verzonden worden.",
        "{amount} gereserveerd op je kaart; er wordt afgeschreven zodra de artikelen verzonden "
        "worden.",
    ),
    "zh-hans": (
        "/zh-hans",
        "zh_Hans",
        "下单时，将在您的银行卡上授权冻结 {amount}；商品发货时才扣款。",
        "已在您的银行卡上授权冻结 {amount}；商品发货时才扣款。",
    ),
    "id": (
        "/id",
        "id",
        "Saat Anda membuat pesanan, {amount} diotorisasi (ditahan) di kartu Anda; Anda ditagih "
        "saat barang dikirim.",
        "{amount} diotorisasi (ditahan) di kartu Anda; Anda ditagih saat barang dikirim.",
    ),
}
#: Oscar's texts for a payment, which the plugin's pay-when-it-ships flow replaces.
NOT_JARGON = ("Allocation of", "dummy", "Payment details to go here")


def plain(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


@pytest.fixture(scope="module")
def screenshots():
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    Journey.written.append(FOLDER)
    return FOLDER


def shot(page, folder, name):
    page.wait_for_load_state("load")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return plain(page.inner_text("body"))


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_guest_reads_what_happens_to_their_card_in_plain_words_when_checking_out_in_each_language(
    sandbox, chromium, screenshots, language
):
    prefix, locale, before, after = LANGUAGES[language]
    context = chromium.new_context(
        locale=locale.replace("_", "-"), viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        for upc in (IN_STOCK, BACKORDER):
            page.goto(sandbox.url + prefix + sandbox.products[upc]["path"])
            page.locator("#add_to_basket_form button[type=submit]").click()
            page.wait_for_load_state("load")
        page.goto(f"{sandbox.url}{prefix}/basket/")
        basket = shot(page, screenshots, f"basket-{language}")
        assert sandbox.title(BACKORDER) in basket and sandbox.title(IN_STOCK) in basket

        page.goto(f"{sandbox.url}{prefix}/checkout/")
        page.wait_for_load_state("networkidle")
        gateway = page.locator("form:has(#id_username)")
        gateway.locator("#id_username").fill(f"guest-{language}@example.com")
        gateway.locator("input[name=options][value=anonymous]").check()
        with page.expect_navigation(url=re.compile(r"/checkout/shipping-address/"), timeout=60_000):
            gateway.locator("button[type=submit]").click()
        form = page.locator("#new_shipping_address")
        form.locator("#id_first_name").fill("Ada")
        form.locator("#id_last_name").fill("Lovelace")
        form.locator("#id_line1").fill("1 Analytical Row")
        form.locator("#id_line4").fill("London")
        form.locator("#id_postcode").fill("N1 9GU")
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/checkout/(shipping-method|payment-details|preview)/"))
        if "/payment-details/" in page.url:
            page.locator("#view_preview").click()
        page.wait_for_url(re.compile(r"/checkout/preview/"))
        total = Decimal(sandbox.products[IN_STOCK]["price"]) + Decimal(
            sandbox.products[BACKORDER]["price"]
        )
        amount = plain(format_currency(total, "GBP", locale=locale))
        preview = plain(page.inner_text("body"))
        assert before.format(amount=amount) in preview, preview[:3000]

        page.locator("#place-order").click()
        page.wait_for_url(re.compile(r"/checkout/thank-you/"))
        assert page.url.startswith(f"{sandbox.url}{prefix}/")
        thanks = shot(page, screenshots, f"thank-you-{language}")
        assert after.format(amount=amount) in thanks, thanks[:3000]
        for jargon in (*NOT_JARGON, *(("authorised",) if language != "en" else ())):
            assert jargon not in thanks and jargon not in preview
    finally:
        context.close()
