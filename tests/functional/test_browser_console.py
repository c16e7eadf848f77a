"""The merchant console in a real browser at 1280 px, in every language of the shop.

Runs a sandbox of its own (``tests/browser.py``) with realistic rows added: long product titles and SKUs,
long customer emails, authorisations with held captures, purchase-order lines from suppliers with
long names. Then, logged into the Django admin in headless Chromium, 1280 px wide:

- the backorder queue and the purchase-order lines fit: the table's right edge is inside the
  viewport, nothing scrolls sideways (``queue-1280-<lang>.png``, ``po-lines-1280-<lang>.png``);
- the reports page labels its charts with the language's dates (``reports-<lang>.png``).

Screenshots go to ``var/screenshots/console-1280/``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import dateformat, formats, timezone, translation

from tests.browser import Journey, running_sandbox

pytestmark = pytest.mark.browser

LANGUAGES = ["en-gb", "nl", "zh-hans", "id"]
#: The short day-and-month each language writes ("j M" translated; Django's date syntax).
DAY_MONTH = {"en-gb": "j M", "nl": "j b", "zh-hans": "n月j日", "id": "j M"}
PREFIX = {"en-gb": "", "nl": "/nl", "zh-hans": "/zh-hans", "id": "/id"}
LONG_TITLE = (
    "Hand-thrown stoneware espresso cup with speckled oatmeal glaze, matching saucer and "
    "recycled gift box (set of six, dishwasher safe)"
)

_REALISTIC = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from oscar.core.loading import get_model
from tests.bulk import bulk_backorder_lines
from tests.supply_factories import PurchaseOrderFactory, SupplierFactory

Line = get_model("order", "Line")
Order = get_model("order", "Order")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
from oscar.test.factories import CategoryFactory
CategoryFactory.reset_sequence(5000)  # clear of the demo catalogue's category paths
products = bulk_backorder_lines(40, products=4, number_start=900000)
title = %(title)r
for n, product in enumerate(products):
    record = product.stockrecords.get()
    record.partner_sku = f"STONEWARE-ESPRESSO-SPECKLED-OATMEAL-{n:04d}-GIFTBOX"
    record.save()
    Line.objects.filter(product=product).update(
        title=f"{title} no. {n}", partner_sku=record.partner_sku
    )
for order in Order.objects.filter(number__startswith="9000").filter(user__isnull=True):
    order.guest_email = f"margaretha.van.den.berghe-oosterhuis.{order.number}@example-company.co.uk"
    order.save()
for n, line in enumerate(BackorderLine.objects.filter(order__number__startswith="9000")[:40]):
    line.miss_risk = (n %% 5) / 5
    line.save(update_fields=["miss_risk"])
    authorisation = PaymentAuthorisation.objects.create(
        order_id=line.order_id, gateway="dummy", reference=f"auth-long-{n}", currency="GBP",
        amount=Decimal("1234.56"), amount_captured=Decimal("617.28"), status="active",
        expires_at=timezone.now() + dt.timedelta(days=n %% 9 - 2),
    )
    PaymentCapture.objects.create(
        order_id=line.order_id, authorisation=authorisation, sequence=1,
        idempotency_key=f"long-{n}", amount=Decimal("617.28"), currency="GBP",
        line_quantities={}, status="failed",
    )
supplier = SupplierFactory(name="Koninklijke Aardewerkfabriek Oosterhuis en Zonen B.V. (Gouda)")
for n, product in enumerate(products):
    order = PurchaseOrderFactory(supplier=supplier, reference=f"PO-2026-GOUDA-{n:05d}-REVISED")
    PurchaseOrderLine.objects.create(
        purchase_order=order, stockrecord=product.stockrecords.get(), quantity=120,
        expected_date=timezone.localdate() + dt.timedelta(days=10 + n),
        confirmed_date=timezone.localdate() + dt.timedelta(days=12 + n) if n %% 2 else None,
    )
print("REALISTIC ok")
"""

_FITS = """() => {
  const table = document.querySelector('#result_list');
  const results = table.closest('.results');
  const cells = [...table.querySelectorAll('thead th')];
  return {
    viewport: document.documentElement.clientWidth,
    tableRight: table.getBoundingClientRect().right,
    lastHeaderRight: cells[cells.length - 1].getBoundingClientRect().right,
    lastHeader: cells[cells.length - 1].innerText,
    resultsScroll: results.scrollWidth - results.clientWidth,
    pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A sandbox of its own: the rows added here are written directly (no events, counters or
    ledger), so the other journeys' shop and its ``check_backorders`` never see them."""
    with running_sandbox(tmp_path_factory.mktemp("console-sandbox")) as shop:
        done = shop.manage("shell", "-c", _REALISTIC % {"title": LONG_TITLE})
        assert "REALISTIC ok" in done.stdout, done.stdout + done.stderr
        shop.manage("sandbox_admin")
        yield shop


@pytest.fixture(scope="module")
def merchant(console, chromium):
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(console.url + "/admin/login/?next=/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("sandbox-admin")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def shots(merchant):
    return Journey(merchant, "console-1280")


def screenshot(shots, name):
    path = shots.folder / f"{name}.png"
    shots.page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits(page, path):
    fit = page.evaluate(_FITS)
    assert fit["viewport"] == 1280, fit
    assert fit["tableRight"] <= fit["viewport"], f"the table overflows: {fit}; screenshot {path}"
    assert fit["lastHeaderRight"] <= fit["viewport"], f"last column cut: {fit}; {path}"
    assert fit["resultsScroll"] <= 0 and fit["pageScroll"] <= 0, f"scrolls sideways: {fit}; {path}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_queue_fits_1280_px_with_long_titles_and_emails_in_every_language(
    console, merchant, shots, language
):
    merchant.goto(f"{console.url}{PREFIX[language]}/admin/oscar_backorders/backorderline/")
    merchant.wait_for_load_state("load")
    path = screenshot(shots, f"queue-1280-{language}")
    text = merchant.inner_text("#result_list")
    assert LONG_TITLE in text and "@example-company.co.uk" in text, path
    assert "£" in text and "GBP" not in text, path  # Oscar's money format in the payment column
    assert_fits(merchant, path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_purchase_order_lines_fit_1280_px_with_receive_in_view_in_every_language(
    console, merchant, shots, language
):
    merchant.goto(f"{console.url}{PREFIX[language]}/admin/oscar_backorders/purchaseorderline/")
    merchant.wait_for_load_state("load")
    path = screenshot(shots, f"po-lines-1280-{language}")
    receive = merchant.locator("#result_list td.field-receive_link a").first
    box = receive.bounding_box()
    assert box and box["x"] + box["width"] <= 1280, f"'Receive…' is off-screen; {path}"
    assert_fits(merchant, path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_reports_page_labels_its_charts_with_the_languages_dates(
    console, merchant, shots, language
):
    merchant.goto(f"{console.url}{PREFIX[language]}/admin/oscar_backorders/backorderline/reports/")
    merchant.wait_for_load_state("load")
    path = screenshot(shots, f"reports-{language}")
    today = timezone.localdate()
    this_week = today - dt.timedelta(days=today.weekday())
    with translation.override(language):
        label = dateformat.format(this_week, DAY_MONTH[language])
    labels = merchant.locator("#report-over_time svg text").all_text_contents()
    assert label in labels, f"{label!r} not among the chart's labels {labels}; {path}"
    tooltips = merchant.locator("#report-over_time svg rect title").all_text_contents()
    assert any(tip.startswith(f"{label}: ") for tip in tooltips), (label, tooltips, path)
    if language == "nl":
        assert label == label.lower()  # "23 nov", not "23 Nov"
    # The period's dates are the admin's date fields, written as the language writes dates,
    # with the admin's "Today" and calendar shortcuts (its scripts loaded).
    since = merchant.locator("#id_since").input_value()
    with translation.override(language):
        written = formats.get_format("DATE_INPUT_FORMATS")[0]  # strftime syntax
    assert since == (today - dt.timedelta(weeks=12)).strftime(written), (since, written, path)
    assert merchant.locator(".datetimeshortcuts .date-icon").count() == 2, path
