"""Order placement throughput: the plugin's OrderCreator versus plain Oscar's, same data.

    python bench/placement_throughput.py [--orders 40] [--lines 3] [--rounds 7]   # or: make bench

Each round places ``--orders`` orders of ``--lines`` lines with each contender, interleaved so
drift (caches, the database growing) hits all alike. The table shows each contender's best
round: on a shared machine the best round is the one least disturbed by other work.
Baskets are built before the clock starts; only ``OrderCreator.place_order`` is timed.

- plain Oscar: ``oscar.apps.order.utils.OrderCreator`` with Oscar's ``Default`` strategy;
- plugin, in stock: the shop's ``OrderCreator`` (with the plugin's mixin) and strategy, on
  products that have a backorder policy but enough stock (the same sale plain Oscar can make);
- plugin, backordered: the same, on out-of-stock products (every line backordered).

Target: plugin / plain ≥ 0.9 for the in-stock case.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

from _setup import django_test_database

TARGET = 0.9


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    with django_test_database():
        from django.db import connection
        from oscar.apps.order.utils import OrderCreator as OscarOrderCreator
        from oscar.apps.partner.strategy import Default as OscarDefault
        from oscar.core.loading import get_class
        from oscar.test.factories import PartnerFactory

        from tests.factories import stocked_product
        from tests.helpers import Free, OrderTotalCalculator, basket_with

        PluginOrderCreator = get_class("order.utils", "OrderCreator")
        plugin_strategy = get_class("partner.strategy", "Selector")().strategy
        numbers = itertools.count(1)
        partner = PartnerFactory()
        stock = args.orders * args.rounds * 4
        in_stock = [
            stocked_product(num_in_stock=stock, cap=None, partner=partner)
            for _ in range(args.lines)
        ]
        backordered = [
            stocked_product(num_in_stock=0, cap=None, partner=partner) for _ in range(args.lines)
        ]
        contenders = {
            "plain Oscar": (OscarOrderCreator, OscarDefault, in_stock),
            "plugin, in stock": (PluginOrderCreator, plugin_strategy, in_stock),
            "plugin, backordered": (PluginOrderCreator, plugin_strategy, backordered),
        }

        def one_round(creator_class, make_strategy, products) -> float:
            baskets = []
            for _ in range(args.orders):
                basket = basket_with(make_strategy(), *((p, 1) for p in products))
                shipping = Free()
                charge = shipping.calculate(basket)
                total = OrderTotalCalculator().calculate(basket, charge)
                baskets.append((basket, shipping, charge, total))
            creator = creator_class()
            started = time.perf_counter()
            for basket, shipping, charge, total in baskets:
                creator.place_order(
                    basket=basket,
                    total=total,
                    shipping_method=shipping,
                    shipping_charge=charge,
                    order_number=str(next(numbers)),
                )
            return args.orders / (time.perf_counter() - started)

        one_round(*contenders["plain Oscar"])  # warm up: imports, caches, the database file
        one_round(*contenders["plugin, in stock"])
        rates: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, contender in contenders.items():
                rates[name].append(one_round(*contender))

        plain = max(rates["plain Oscar"])
        print(
            f"Placement throughput ({connection.vendor}; {args.orders} orders × {args.lines} "
            f"lines, best of {args.rounds} rounds):\n"
        )
        print("| placement | orders/s | ratio to plain Oscar |")
        print("|---|---|---|")
        for name, values in rates.items():
            rate = max(values)
            print(f"| {name} | {rate:.0f} | {rate / plain:.2f} |")
        ratio = max(rates["plugin, in stock"]) / plain
        verdict = "meets" if ratio >= TARGET else "MISSES"
        print(f"\nplugin (in stock) / plain Oscar = {ratio:.2f}: {verdict} the target {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
