"""A guest buys an in-stock and a backordered item in a real browser, and sees the estimate.

Runs the sandbox (``tests/browser.py``) and drives it with headless Chromium. Each step asserts
texts on the page and saves a screenshot under ``var/screenshots/guest-mixed-basket/``.

To extend the journey, add texts to :data:`EXPECTED` (they are checked on that page) or add
steps after the thank-you page (payment, order history, shipping).
"""

from __future__ import annotations

import re

import pytest

from tests.browser import Journey

pytestmark = pytest.mark.browser

IN_STOCK, BACKORDER = "BO-INSTOCK", "BO-BACKORDER"
GUEST_EMAIL = "guest@example.com"


def expected(sandbox):
    """Texts each page must show; the backordered item's message carries its estimated date."""
    # The product page says "Available on backorder — ships by 9 Dec"; the basket and checkout
    # may word it per line ("1 backordered — ships by 9 Dec"): the date is what must be there.
    # Pages about the placed order write the date in full ("ships by 9 Dec 2026").
    ships_by = f"ships by {sandbox.ships_by(BACKORDER)}"
    ordered_ships_by = f"ships by {sandbox.order_date(BACKORDER)}"
    return {
        "product": [sandbox.message(BACKORDER)],
        "basket": [sandbox.title(IN_STOCK), sandbox.title(BACKORDER), ships_by],
        "checkout preview": [sandbox.title(BACKORDER), ships_by],
        "thank-you": [sandbox.title(IN_STOCK), sandbox.title(BACKORDER), ordered_ships_by],
        "order status": [sandbox.title(IN_STOCK), sandbox.title(BACKORDER), ordered_ships_by],
        "confirmation email": [sandbox.title(IN_STOCK), sandbox.title(BACKORDER), ordered_ships_by],
    }


def add_to_basket(page, sandbox, upc):
    page.goto(sandbox.product_url(upc))
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state("load")


def test_guest_sees_the_estimate_at_every_step_when_buying_stock_and_a_backorder(
    sandbox, browser_page, chromium
):
    page = browser_page
    journey = Journey(page, "guest-mixed-basket")
    expects = expected(sandbox)
    assert re.fullmatch(r"\d{1,2} \w{3}", sandbox.ships_by(BACKORDER)), sandbox.products
    assert sandbox.ships_by(BACKORDER) in sandbox.message(BACKORDER)
    assert sandbox.message(IN_STOCK).startswith("In stock")

    page.goto(sandbox.product_url(IN_STOCK))
    journey.step("product-in-stock", expects=[sandbox.message(IN_STOCK)])
    add_to_basket(page, sandbox, IN_STOCK)

    page.goto(sandbox.product_url(BACKORDER))
    journey.step("product-backordered", expects=expects["product"])
    add_to_basket(page, sandbox, BACKORDER)

    page.goto(sandbox.url + "/basket/")
    journey.step("basket", expects=expects["basket"])

    page.get_by_role("link", name="Proceed to checkout").click()
    # Oscar's gateway page: continue as a guest. Its own form, not the header's search or
    # language forms, and wait for the navigation the click starts (the machine may be busy).
    # Wait for the page's scripts first: run late, they reset the chosen option, and the browser
    # then refuses to submit the form for want of a password.
    page.wait_for_url(re.compile(r"/checkout/"))
    page.wait_for_load_state("networkidle")
    gateway = page.locator("form:has(#id_username)")
    gateway.locator("#id_username").fill(GUEST_EMAIL)
    gateway.locator("input[name=options][value=anonymous]").check()
    assert gateway.locator("input[name=options][value=anonymous]").is_checked()
    with page.expect_navigation(url=re.compile(r"/checkout/shipping-address/"), timeout=60_000):
        gateway.locator("button[type=submit]").click()
    form = page.locator("#new_shipping_address")
    form.locator("#id_first_name").fill("Ada")
    form.locator("#id_last_name").fill("Lovelace")
    form.locator("#id_line1").fill("1 Analytical Row")
    form.locator("#id_line4").fill("London")
    form.locator("#id_postcode").fill("N1 9GU")
    journey.step("shipping-address")
    form.locator("button[type=submit]").click()

    # Shipping method (skipped when there is one) and payment details lead to the preview.
    page.wait_for_url(re.compile(r"/checkout/(shipping-method|payment-details|preview)/"))
    if "/payment-details/" in page.url:
        journey.step("payment-details")
        if page.locator("#view_preview").count():  # Oscar's page: no payment to enter
            page.locator("#view_preview").click()
        else:  # a payment form: continue with what it offers
            page.get_by_role("button", name=re.compile("continue|preview", re.I)).first.click()
    page.wait_for_url(re.compile(r"/checkout/preview/"))
    journey.step("checkout-preview", expects=expects["checkout preview"])

    page.locator("#place-order").click()
    page.wait_for_url(re.compile(r"/checkout/thank-you/"))
    text = journey.step("thank-you", expects=expects["thank-you"])
    number = re.search(r"\b\d{6,}\b", text)
    assert number, "the thank-you page shows no order number"

    # A guest has no order history: the thank-you page links to the order's status page.
    page.get_by_role("link", name="View order status").click()
    page.get_by_label("Email address").fill(GUEST_EMAIL)  # Oscar asks the guest to confirm
    page.get_by_role("button", name="Submit").click()
    journey.step("order-status", expects=[number.group(0), *expects["order status"]])

    mails = [p.read_text() for p in sorted((sandbox.var / "mail").glob("*.log"))]
    confirmation = next((m for m in mails if number.group(0) in m), None)
    assert confirmation, f"no confirmation email for order {number.group(0)} in {sandbox.var}"
    missing = [t for t in expects["confirmation email"] if t not in confirmation]
    assert not missing, f"not in the confirmation email: {missing}"
    # The sandbox's Site is the server it runs on: the email links there, not to example.com.
    assert f"{sandbox.url}/accounts/order-status/{number.group(0)}/" in confirmation
    assert "example.com/" not in confirmation

    # Behind the pages: one backordered unit stored apart, and the counters agree with it.
    stored = sandbox.manage("shell", "-c", _STORED % {"number": number.group(0)}).stdout
    stored = [line.removeprefix("STORED ") for line in stored.splitlines() if "STORED " in line]
    assert stored == [f"{BACKORDER}:1"], stored
    check = sandbox.manage("check_backorders", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    status_url = page.url

    # Nothing was charged at checkout: the order total is authorised only.
    assert _money(sandbox, number.group(0)) == ("active", "0.00"), "money taken at checkout"

    # The merchant counts in new stock (a save, as Oscar's dashboard does): it goes to the
    # waiting line at once. Then, in the Django admin's backorder queue, ships and captures.
    sandbox.manage("shell", "-c", _RESTOCK % {"upc": BACKORDER})
    sandbox.manage("sandbox_admin")
    merchant_context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        merchant = merchant_context.new_page()
        merchant.set_default_timeout(20_000)
        desk = Journey(merchant, "merchant-ships-backorder")
        merchant.goto(sandbox.url + "/admin/login/?next=/admin/oscar_backorders/backorderline/")
        merchant.locator("#id_username").fill("admin")
        merchant.locator("#id_password").fill("sandbox-admin")
        merchant.locator("input[type=submit]").click()
        merchant.wait_for_url(re.compile(r"/admin/oscar_backorders/backorderline/"))
        desk.step("queue", expects=[number.group(0), "1"])
        merchant.locator("input.action-select").first.check()
        merchant.locator("select[name=action]").select_option("ship_and_capture")
        merchant.locator("button[name=index]").click()
        desk.step("confirm-ship-and-capture", expects=[number.group(0)])
        merchant.locator("input[type=submit][value=Confirm]").click()
        merchant.wait_for_load_state("load")
        desk.step("shipped")
    finally:
        merchant_context.close()

    # The customer sees the backordered unit shipped; exactly its price was captured.
    page.goto(status_url)
    if page.get_by_label("Email address").count():
        page.get_by_label("Email address").fill(GUEST_EMAIL)
        page.get_by_role("button", name="Submit").click()
    state, captured = _money(sandbox, number.group(0))
    assert captured == sandbox.products[BACKORDER]["price"], (state, captured)
    journey.step(
        "order-status-shipped",
        expects=[number.group(0), "1 shipped separately", f"Charged so far: £{captured} of"],
    )
    check = sandbox.manage("check_backorders", check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def _money(sandbox, number):
    """(authorisation status, amount captured) of the order, read from the sandbox."""
    out = sandbox.manage("shell", "-c", _MONEY % {"number": number}).stdout
    found = [line.split()[1:] for line in out.splitlines() if line.startswith("MONEY ")]
    assert len(found) == 1, out
    return found[0][0], found[0][1]


_MONEY = """
from oscar.core.loading import get_model
Order = get_model("order", "Order")
order = Order.objects.get(number="%(number)s")
authorisation = order.backorder_authorisations.get()
print(f"MONEY {authorisation.status} {order.sources.get().amount_debited}")
"""

_RESTOCK = """
from oscar.core.loading import get_model
record = get_model("partner", "StockRecord").objects.get(product__upc="%(upc)s")
record.num_in_stock = (record.num_in_stock or 0) + 1
record.save()
"""


_STORED = """
from oscar.core.loading import get_model
Order = get_model("order", "Order")
for bl in Order.objects.get(number="%(number)s").backorder_lines.all():
    print(f"STORED {bl.line.upc}:{bl.quantity}")
"""
