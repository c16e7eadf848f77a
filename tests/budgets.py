"""Count the SQL queries of the customer's pages: plain Oscar, the plugin without policies, with.

Shared by the query-budget tests (``tests/functional/test_query_budgets.py``) and the benchmark
(``bench/query_counts.py``). A customer with ``n`` products in the basket walks home → category →
product → basket → checkout preview → place order → thank-you → order history → order detail
through Django's test client; each page's queries are counted.

Each shop runs in its own process, on its own fresh database, with its own settings, because
"installed" is process-wide (apps, receivers, class loader, URLs, templates):

- ``plain``: Oscar without the plugin (``tests.settings_plain``);
- ``no policy``: the plugin installed as README says (``tests.settings_installed``), no backorder
  policy anywhere;
- ``policies``: the same, with a backorder policy on every stock record.

The data are the same in each: one partner, one category and one product class; ``n`` products
with one stock record each (1000 in stock, or none with ``backordered``, which only the plugin
can sell).

    python -m tests.budgets "no policy" 50 [--backordered] [--sql DIR]

prints the counts as JSON (``--sql`` also writes each page's SQL to ``DIR``, to compare shops).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PAGES = (
    "home",
    "category",
    "product",
    "basket",
    "checkout preview",
    "place order",
    "thank-you",
    "order history",
    "order detail",
)
SHOPS = {
    "plain": "tests.settings_plain",
    "no policy": "tests.settings_installed",
    "policies": "tests.settings_installed",
}

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Row",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
    "phone_number": "",
}

_users = itertools.count(1)

Counts = dict[str, int]


def measure(shop: str, sizes: tuple[int, ...], *, backordered: bool = False) -> dict[int, Counts]:
    """Query counts per page of ``shop`` at each basket size (see :func:`measure_all`)."""
    found = measure_all([(shop, sizes, backordered)])
    return {n: found[(shop, n, backordered)] for n in sizes}


def measure_all(
    walks: Iterable[tuple[str, tuple[int, ...], bool]],
) -> dict[tuple[str, int, bool], Counts]:
    """Walk each ``(shop, sizes, backordered)``: one process and database per shop and size,
    run side by side; nothing one walk caches or creates is seen by another."""
    jobs = [(shop, n, backordered) for shop, sizes, backordered in walks for n in sizes]
    for shop, _n, _b in jobs:
        if shop not in SHOPS:
            raise ValueError(f"shop must be one of {tuple(SHOPS)}, not {shop!r}")
    workers = max(1, min(len(jobs), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(jobs, pool.map(lambda job: _walk_in_process(*job), jobs), strict=True))


def _walk_in_process(shop: str, n: int, backordered: bool) -> Counts:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SHOPS[shop]}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(ROOT / "sandbox"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    command = [sys.executable, "-m", "tests.budgets", shop, str(n)]
    if backordered:
        command.append("--backordered")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"walking the {shop!r} shop at {n} lines failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.splitlines()[-1])[str(n)]


def table(results: dict[tuple[str, int], Counts], sizes: tuple[int, ...], shops=None) -> str:
    """A Markdown table: one row per page; each shop at each size; each shop's extra over plain."""
    shops = shops or [shop for shop in SHOPS if (shop, sizes[0]) in results]
    others = [shop for shop in shops if shop != "plain"]
    header = ["page"]
    for n in sizes:
        header += [f"{shop}, {n} line{'s' if n > 1 else ''}" for shop in shops]
    header += [f"{shop}: extra" for shop in others]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for page in PAGES:
        cells = [page]
        for n in sizes:
            cells += [str(results[(shop, n)][page]) for shop in shops]
        for shop in others:
            extras = sorted({results[(shop, n)][page] - results[("plain", n)][page] for n in sizes})
            cells.append(", ".join(f"{e:+d}" for e in extras))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


# --- the walk (runs inside the shop's process) ---------------------------------------------


def walk(
    shop: str, lines: int, *, backordered: bool = False, sql_dir: Path | None = None
) -> Counts:
    """Query counts of each page in :data:`PAGES` for a basket of ``lines`` products."""
    from django.test import Client
    from django.urls import reverse
    from oscar.test.factories import (
        CategoryFactory,
        CountryFactory,
        PartnerFactory,
        ProductClassFactory,
        ProductFactory,
        StockRecordFactory,
    )

    CountryFactory(is_shipping_country=True)
    partner = PartnerFactory()
    category = CategoryFactory()
    product_class = ProductClassFactory(track_stock=True, requires_shipping=True)
    products = []
    for _ in range(lines):
        product = ProductFactory(
            stockrecords=[], product_class=product_class, categories__category=category
        )
        record = StockRecordFactory(
            product=product,
            partner=partner,
            num_in_stock=0 if backordered else 1000,
            num_allocated=0,
        )
        if shop == "policies":
            from tests.factories import BackorderPolicyFactory

            BackorderPolicyFactory(stockrecord=record, cap=None)
        products.append(product)

    counts: Counts = {}

    def count(page: str, client: Client, method: str, url: str, **data: Any) -> Any:
        """Request ``url`` and count its queries as ``page``'s."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data)
        if response.status_code not in (200, 302):
            raise AssertionError(f"{method.upper()} {url} answered {response.status_code}")
        counts[page] = len(queries)
        if sql_dir is not None:
            name = f"{shop.replace(' ', '_')}-{lines}-{page.replace(' ', '_')}.sql"
            (sql_dir / name).write_text("".join(q["sql"] + ";\n" for q in queries.captured_queries))
        return response

    # Another customer orders first, so rows a shop creates once (source types, statuses) and
    # what a process caches on its first request are not counted against either shop; for the
    # same reason each page is requested once before it is counted.
    warm_up, _user = _customer(products[:1])
    warm_up.get(reverse("catalogue:index"))
    warm_up.get(category.get_absolute_url())
    _to_preview(warm_up)
    warm_up.post(reverse("checkout:preview"), {"action": "place_order"})
    warm_up.get(reverse("checkout:thank-you"))

    client, user = _customer([])
    count("home", client, "get", reverse("catalogue:index"))
    count("category", client, "get", category.get_absolute_url())
    client.get(products[-1].get_absolute_url())
    client.get(products[0].get_absolute_url())
    count("product", client, "get", products[0].get_absolute_url())

    client, user = _customer(products)
    client.get(reverse("basket:summary"))
    count("basket", client, "get", reverse("basket:summary"))
    _to_preview(client)
    count("checkout preview", client, "get", reverse("checkout:preview"))
    response = count(
        "place order", client, "post", reverse("checkout:preview"), action="place_order"
    )
    if response.status_code != 302 or "thank-you" not in response.url:
        error = response.context.get("error") if response.context else ""
        raise AssertionError(f"order was not placed: {response.status_code} {error}")
    count("thank-you", client, "get", response.url)
    client.get(reverse("customer:order-list"))
    count("order history", client, "get", reverse("customer:order-list"))
    number = user.orders.get().number
    client.get(reverse("customer:order", kwargs={"order_number": number}))
    count("order detail", client, "get", reverse("customer:order", kwargs={"order_number": number}))
    return counts


def _customer(products: list[Any]) -> tuple[Any, Any]:
    """A logged-in customer whose basket holds 2 of each of ``products``."""
    from django.test import Client
    from django.urls import reverse
    from oscar.core.loading import get_class, get_model
    from oscar.test.factories import UserFactory

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


def _to_preview(client: Any) -> None:
    from django.urls import reverse

    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    client.get(reverse("checkout:preview"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("shop", choices=tuple(SHOPS))
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--backordered", action="store_true")
    parser.add_argument("--sql", type=Path, help="write each page's SQL to this directory")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SHOPS[args.shop])
    if args.sql:
        args.sql.mkdir(parents=True, exist_ok=True)

    from bench._setup import django_test_database

    with django_test_database(name_suffix=f"budgets_{os.getpid()}"):
        results = {
            n: walk(args.shop, n, backordered=args.backordered, sql_dir=args.sql)
            for n in args.sizes
        }
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
