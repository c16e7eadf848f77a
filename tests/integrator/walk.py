"""A merchant stocks a shop, then a customer buys through Oscar's real pages (Django's test client).

Runs inside the shop's own process, on its own settings and migrated database::

    DJANGO_SETTINGS_MODULE=tests.integrator.fresh_shop.settings \\
        python -m tests.integrator.walk REPORT.json

and writes what it saw (status of every page, and what each order recorded) to ``REPORT.json``
for ``tests/functional/test_readme_install.py`` to judge. A page that raises is a traceback on
stderr, exactly as in the shop.

The merchant sells three products: ``PLAIN`` (in stock, no backorder policy: plain Oscar),
``BACKORDER`` (out of stock, policy "backorder") and ``CAPPED`` (out of stock, policy "backorder"
with at most ``CAP`` units waiting). The customer signs in, buys ``PLAIN`` alone, then two
``BACKORDER`` and ``CAP`` ``CAPPED`` after being refused ``CAP + 1``, is refused one more
``CAPPED``, and reads the order history. Someone who asked to hear when ``BACKORDER`` is back in
stock hears nothing when the merchant then changes its price: it is orderable, not on the shelf.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import django
from django.test.utils import setup_test_environment

CAP = 3
EMAIL = "ada@example.com"
PASSWORD = "not-a-real-password-7"
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Row",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


def stock_the_shop() -> dict[str, Any]:
    """What the merchant sets up in the dashboard and admin before the first sale."""
    from django.contrib.auth import get_user_model
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.core.loading import get_model

    Country = get_model("address", "Country")
    ProductClass = get_model("catalogue", "ProductClass")
    Product = get_model("catalogue", "Product")
    ProductCategory = get_model("catalogue", "ProductCategory")
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")

    Country._default_manager.create(
        iso_3166_1_a2="GB", iso_3166_1_a3="GBR", iso_3166_1_numeric="826",
        printable_name="United Kingdom", name="United Kingdom", is_shipping_country=True,
    )  # fmt: skip
    goods = ProductClass._default_manager.create(
        name="Goods", track_stock=True, requires_shipping=True
    )
    partner = Partner._default_manager.create(name="The shop")
    category = create_from_breadcrumbs("Kitchen")
    products = {}
    for upc, title, in_stock, policy in [
        ("PLAIN", "Field notebook", 10, None),
        ("BACKORDER", "Ceramic pour-over", 0, {"mode": "backorder", "lead_time_days": 7}),
        ("CAPPED", "Limited print", 0, {"mode": "backorder", "cap": CAP}),
    ]:
        product = Product._default_manager.create(
            title=title, upc=upc, product_class=goods, structure="standalone", is_public=True
        )
        ProductCategory._default_manager.create(product=product, category=category)
        record = StockRecord._default_manager.create(
            product=product, partner=partner, partner_sku=upc,
            price=Decimal("12.50"), num_in_stock=in_stock,
        )  # fmt: skip
        if policy:
            BackorderPolicy._default_manager.create(stockrecord=record, **policy)
        products[upc] = product
    get_user_model()._default_manager.create_user(username="ada", email=EMAIL, password=PASSWORD)
    return {"products": products, "category": category}


class Customer:
    """Django's test client, remembering the status of every page it was shown."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()
        self.pages: list[dict[str, Any]] = []

    def _seen(self, name: str, response: Any) -> Any:
        self.pages.append(
            {
                "page": name,
                "status": response.status_code,
                "path": response.request["PATH_INFO"],
                "redirects": [url for url, _ in getattr(response, "redirect_chain", [])],
                "body": "" if response.status_code == 200 else response.content.decode()[:2000],
            }
        )
        return response

    def get(self, name: str, url: str) -> Any:
        return self._seen(name, self.client.get(url, follow=True))

    def post(self, name: str, url: str, data: dict[str, Any]) -> Any:
        return self._seen(name, self.client.post(url, data, follow=True))


def basket_quantities(customer: Customer) -> dict[str, int]:
    from django.urls import reverse

    response = customer.get("basket", reverse("basket:summary"))
    basket = response.context["basket"]
    return {line.product.upc: line.quantity for line in basket.all_lines()}


def add(customer: Customer, product: Any, quantity: int) -> list[str]:
    """Add to the basket from the product page; returns the messages the customer was shown."""
    from django.urls import reverse

    response = customer.post(
        f"add {quantity} {product.upc}",
        reverse("basket:add", kwargs={"pk": product.pk}),
        {"quantity": quantity},
    )
    return [str(message) for message in response.context["messages"]]


def check_out(customer: Customer) -> str:
    """From a filled basket through every checkout page to the thank-you page: the order number."""
    from django.urls import reverse

    customer.get("checkout", reverse("checkout:index"))
    customer.post("shipping address", reverse("checkout:shipping-address"), ADDRESS)
    customer.get("shipping method", reverse("checkout:shipping-method"))
    customer.get("payment method", reverse("checkout:payment-method"))
    customer.get("payment details", reverse("checkout:payment-details"))
    customer.get("preview", reverse("checkout:preview"))
    response = customer.post("place order", reverse("checkout:preview"), {"action": "place_order"})
    customer.get("thank you", reverse("checkout:thank-you"))
    return response.context["order"].number


def describe(order_number: str) -> dict[str, Any]:
    """What the order recorded: lines, Oscar's payment sources and events, backordered units."""
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")

    order = Order._default_manager.get(number=order_number)
    return {
        "number": order.number,
        "total": str(order.total_incl_tax),
        "lines": {line.upc: line.quantity for line in order.lines.all()},
        "sources": [
            {
                "type": source.source_type.name,
                "allocated": str(source.amount_allocated),
                "debited": str(source.amount_debited),
            }
            for source in order.sources.all()
        ],
        "payment_events": [
            {"type": event.event_type.name, "amount": str(event.amount)}
            for event in order.payment_events.all()
        ],
        "backordered": {
            bl.line.upc: {"quantity": bl.quantity, "status": bl.status}
            for bl in BackorderLine._default_manager.filter(order=order).select_related("line")
        },
        "plugin_authorisations": PaymentAuthorisation._default_manager.filter(order=order).count(),
    }


def price_change_with_a_waiting_alert(product: Any) -> list[str]:
    """An active "back in stock" alert on ``product``, then the merchant edits its price (Oscar
    re-judges alerts on every stock record save): the subjects of the emails sent."""
    from django.core import mail
    from oscar.core.loading import get_model

    ProductAlert = get_model("customer", "ProductAlert")
    alert = ProductAlert._default_manager.create(product=product, email="bob@example.com")
    ProductAlert._default_manager.filter(pk=alert.pk).update(status=ProductAlert.ACTIVE)
    mail.outbox.clear()
    record = product.stockrecords.get()
    record.price += 1
    record.save()
    return [message.subject for message in mail.outbox]


def classes_in_use() -> dict[str, Any]:
    """Which classes Oscar's loader hands the shop, and whose ``handle_payment`` the checkout runs."""
    from oscar.core.loading import get_class

    from oscar_backorders.loading import own_handle_payment

    selector = get_class("partner.strategy", "Selector")
    view = get_class("checkout.views", "PaymentDetailsView")
    own = own_handle_payment(view)
    return {
        "strategy": [
            f"{k.__module__}.{k.__qualname__}" for k in type(selector().strategy()).__mro__
        ],
        "order_creator": [
            f"{k.__module__}.{k.__qualname__}"
            for k in get_class("order.utils", "OrderCreator").__mro__
        ],
        "payment_view": [f"{k.__module__}.{k.__qualname__}" for k in view.__mro__],
        "handle_payment": f"{own.__module__}.{own.__qualname__}" if own else None,
    }


def walk() -> dict[str, Any]:
    from django.conf import settings
    from django.urls import reverse
    from oscar.core.loading import get_model

    shop = stock_the_shop()
    products = shop["products"]
    customer = Customer()
    customer.get("home", "/")
    customer.get("catalogue", reverse("catalogue:index"))
    customer.get("category", shop["category"].get_absolute_url())
    for product in products.values():
        customer.get(f"product {product.upc}", product.get_absolute_url())
    customer.get("sign in page", reverse("customer:login"))
    customer.post(
        "sign in",
        reverse("customer:login"),
        {"login-username": EMAIL, "login-password": PASSWORD, "login_submit": "Log in"},
    )

    add(customer, products["PLAIN"], 1)
    plain = check_out(customer)

    add(customer, products["BACKORDER"], 2)
    refused_beyond_cap = add(customer, products["CAPPED"], CAP + 1)
    basket_after_refusal = basket_quantities(customer)
    add(customer, products["CAPPED"], CAP)
    backordered = check_out(customer)

    refused_after_cap_used = add(customer, products["CAPPED"], 1)
    basket_after_cap_used = basket_quantities(customer)

    customer.get("order history", reverse("customer:order-list"))
    for number in (plain, backordered):
        customer.get(f"order {number}", reverse("customer:order", kwargs={"order_number": number}))

    alert_emails = price_change_with_a_waiting_alert(products["BACKORDER"])

    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentEventType = get_model("order", "PaymentEventType")
    return {
        "installed_apps": list(settings.INSTALLED_APPS),
        "class_loader": settings.OSCAR_DYNAMIC_CLASS_LOADER,
        "classes": classes_in_use(),
        "pages": customer.pages,
        "orders": {"plain": describe(plain), "backordered": describe(backordered)},
        "capped": {
            "cap": CAP,
            "refused_beyond_cap": refused_beyond_cap,
            "basket_after_refusal": basket_after_refusal,
            "refused_after_cap_used": refused_after_cap_used,
            "basket_after_cap_used": basket_after_cap_used,
        },
        "back_in_stock_emails": alert_emails,
        "plugin_authorisations": PaymentAuthorisation._default_manager.count(),
        "payment_event_types": sorted(
            PaymentEventType._default_manager.values_list("name", flat=True)
        ),
    }


def main(argv: list[str]) -> int:
    django.setup()
    # As Django's test runner does: the client sees the templates' context, and mail is held in
    # memory instead of going to the shop's mail server.
    setup_test_environment()
    report = walk()
    Path(argv[0]).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
