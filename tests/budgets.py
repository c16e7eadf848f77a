"""Count the SQL queries of the customer's pages, with the plugin and with plain Oscar.

Shared by the query-budget tests (``tests/functional/test_query_budgets.py``) and the benchmark
(``bench/query_counts.py``). A customer with ``n`` products in the basket walks product page →
basket → checkout preview → place order → order history → order detail through Django's test
client; each page's queries are counted.

"Plain Oscar" is the same shop on the same data with the plugin taken out of the request path:
the basket middleware's selector is Oscar's own ``Selector`` (Oscar's ``Default`` strategy,
``StockRequired`` availability), checkout places orders with Oscar's own ``OrderCreator``, and
pages render from Oscar's own templates (the plugin's template overrides are left out).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from oscar.apps.order.utils import OrderCreator as OscarOrderCreator
from oscar.apps.partner.strategy import Selector as OscarSelector
from oscar.core.loading import get_class, get_model
from oscar.test.factories import CountryFactory, PartnerFactory, UserFactory

from tests.factories import stocked_product

PAGES = (
    "product",
    "basket",
    "checkout preview",
    "place order",
    "order history",
    "order detail",
)
MODES = ("plugin", "plain")

_users = itertools.count(1)


@contextlib.contextmanager
def oscar_mode(mode: str) -> Iterator[None]:
    """``plugin``: the shop as configured. ``plain``: Oscar's own selector and order creator."""
    if mode == "plugin":
        yield
        return
    if mode != "plain":
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    from unittest import mock

    with (
        mock.patch("oscar.apps.basket.middleware.selector", OscarSelector()),
        mock.patch("oscar.apps.checkout.mixins.OrderCreator", OscarOrderCreator),
        override_settings(TEMPLATES=_templates_without_the_plugin()),
    ):
        yield


def _templates_without_the_plugin() -> list[dict[str, Any]]:
    """The shop's template settings minus the plugin's templates (Oscar's own pages again)."""
    engines = []
    for engine in settings.TEMPLATES:
        engine = copy.deepcopy(engine)
        if engine["BACKEND"] == "django.template.backends.django.DjangoTemplates" and engine.get(
            "APP_DIRS"
        ):
            dirs = [str(d) for d in engine.get("DIRS", [])] + [
                str(Path(app.path) / "templates")
                for app in apps.get_app_configs()
                if app.label != "oscar_backorders" and (Path(app.path) / "templates").is_dir()
            ]
            engine["APP_DIRS"] = False
            engine["DIRS"] = []
            engine.setdefault("OPTIONS", {})["loaders"] = [
                ("django.template.loaders.filesystem.Loader", dirs)
            ]
        engines.append(engine)
    return engines


def count(client: Client, method: str, url: str, **data: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data)
    if response.status_code not in (200, 302):
        raise AssertionError(f"{method.upper()} {url} answered {response.status_code}")
    return len(queries), response


ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Row",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
    "phone_number": "",
}


def _customer(products: list[Any]) -> tuple[Client, Any]:
    """A logged-in customer whose basket holds 2 of each of ``products``."""
    Basket = get_model("basket", "Basket")
    user = UserFactory(email=f"budget{next(_users)}@example.com")
    client = Client()
    client.force_login(user)
    client.get(reverse("basket:summary"))  # creates the basket
    basket = Basket.open.get(owner=user)
    basket.strategy = get_class("partner.strategy", "Selector")().strategy()
    for product in products:
        basket.add_product(product, 2)
    return client, user


def _to_preview(client: Client) -> None:
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    client.get(reverse("checkout:preview"))


def walk(mode: str, lines: int, *, backordered: bool = False) -> dict[str, int]:
    """Query counts of each page in :data:`PAGES` for a basket of ``lines`` products.

    Each product has a backorder policy; with ``backordered`` they are out of stock (the plugin
    only: plain Oscar refuses them), otherwise in stock (both modes sell them).
    """
    CountryFactory(is_shipping_country=True)
    partner = PartnerFactory()
    products = [
        stocked_product(num_in_stock=0 if backordered else 1000, cap=None, partner=partner)
        for _ in range(lines)
    ]
    counts: dict[str, int] = {}
    with oscar_mode(mode):
        # Another customer orders first, so rows a shop creates once (source types, statuses)
        # and what a process caches on its first request are not counted against either side;
        # for the same reason each page is requested once before it is counted.
        warm_up, _user = _customer(products[:1])
        _to_preview(warm_up)
        warm_up.post(reverse("checkout:preview"), {"action": "place_order"})

        client, user = _customer([])
        client.get(products[-1].get_absolute_url())
        client.get(products[0].get_absolute_url())
        counts["product"], _ = count(client, "get", products[0].get_absolute_url())
        client, user = _customer(products)
        client.get(reverse("basket:summary"))
        counts["basket"], _ = count(client, "get", reverse("basket:summary"))
        _to_preview(client)
        counts["checkout preview"], _ = count(client, "get", reverse("checkout:preview"))
        counts["place order"], response = count(
            client, "post", reverse("checkout:preview"), action="place_order"
        )
        if response.status_code != 302 or "thank-you" not in response.url:
            raise AssertionError(f"order was not placed: {response.status_code}")
        client.get(reverse("customer:order-list"))
        counts["order history"], _ = count(client, "get", reverse("customer:order-list"))
        number = user.orders.get().number
        client.get(reverse("customer:order", kwargs={"order_number": number}))
        counts["order detail"], _ = count(
            client, "get", reverse("customer:order", kwargs={"order_number": number})
        )
    return counts


def table(results: dict[tuple[str, int], dict[str, int]], sizes: tuple[int, ...]) -> str:
    """A Markdown table: one row per page, plugin and plain Oscar at each basket size."""
    header = ["page"]
    for n in sizes:
        header += [f"plugin, {n} line{'s' if n > 1 else ''}", f"plain, {n}"]
    header.append("plugin extra")
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for page in PAGES:
        cells = [page]
        extras = set()
        for n in sizes:
            plugin, plain = results[("plugin", n)][page], results[("plain", n)][page]
            cells += [str(plugin), str(plain)]
            extras.add(plugin - plain)
        cells.append(", ".join(f"{e:+d}" for e in sorted(extras)))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
