"""Query budgets: what the plugin may add to a customer's page, measured against plain Oscar.

Each page is counted for a basket of 1 and of 50 products in three shops on the same data
(``tests/budgets.py``, each shop in its own process): plain Oscar, the plugin installed as README
says with no policy anywhere, and the same with a policy on every stock record. Plain Oscar's own
basket, checkout and order pages grow with the number of lines; the plugin's extra queries must
not. ``make bench`` prints the table.
"""

from __future__ import annotations

import pytest

from tests.budgets import PAGES, measure_all, table

SIZES = (1, 50)
#: Most queries the plugin may add to a page when a shop has no backorder policy anywhere.
NO_POLICY_BUDGET = 1
#: ... and when products have policies (the policy and what is already backordered).
POLICY_BUDGET = 2
#: Pages where the plugin's strategy reuses each basket line's stock record (and loads product
#: classes once for the basket), so at 50 lines it issues fewer queries than plain Oscar.
FEWER_THAN_PLAIN = ("basket", "checkout preview", "place order")


@pytest.fixture(scope="module")
def results():
    found = measure_all(
        [
            ("plain", SIZES, False),
            ("no policy", SIZES, False),
            ("policies", SIZES, False),
            ("policies", SIZES, True),
        ]
    )
    return {
        ("backordered" if backordered else shop, n): counts
        for (shop, n, backordered), counts in found.items()
    }


def check_budget(results, ours, budget, *, unbudgeted=()):
    """Per page: extra over plain Oscar ≤ ``budget`` at every size (pages in ``unbudgeted``
    excepted), and not growing with lines."""
    problems = []
    for page in PAGES:
        extra = {n: results[(ours, n)][page] - results[("plain", n)][page] for n in SIZES}
        if max(extra.values()) > budget and page not in unbudgeted:
            problems.append(f"{page}: {max(extra.values())} queries more than plain Oscar")
        if extra[SIZES[-1]] > extra[SIZES[0]]:
            problems.append(f"{page}: the plugin's extra queries grow with lines {extra}")
        plain_growth = results[("plain", SIZES[-1])][page] - results[("plain", SIZES[0])][page]
        ours_growth = results[(ours, SIZES[-1])][page] - results[(ours, SIZES[0])][page]
        if plain_growth == 0 and ours_growth != 0:
            problems.append(f"{page}: {ours_growth} more queries at 50 lines than at 1")
    return problems


def check_fewer_than_plain(results, ours):
    """The pages of :data:`FEWER_THAN_PLAIN` at the largest size cost less than plain Oscar's."""
    n = SIZES[-1]
    return [
        f"{page}: {results[(ours, n)][page]} queries at {n} lines, plain Oscar "
        f"{results[('plain', n)][page]}"
        for page in FEWER_THAN_PLAIN
        if results[(ours, n)][page] >= results[("plain", n)][page]
    ]


def _table(results, ours):
    return table(
        {
            (shop, n): results[(key, n)]
            for shop, key in (("plain", "plain"), (ours, ours))
            for n in SIZES
        },
        SIZES,
        shops=["plain", ours],
    )


def test_pages_cost_at_most_1_query_more_than_plain_oscar_when_no_product_has_a_policy(results):
    assert check_budget(results, "no policy", NO_POLICY_BUDGET) == [], _table(results, "no policy")


def test_pages_stay_within_budget_when_every_product_has_a_policy_and_is_in_stock(results):
    assert check_budget(results, "policies", POLICY_BUDGET) == [], _table(results, "policies")


def test_pages_stay_within_budget_when_every_line_is_backordered(results):
    # Placing a backorder is the plugin's work, not overhead: it writes the backorder lines and
    # their events and dates them, a fixed number of queries whatever the number of lines.
    problems = check_budget(results, "backordered", POLICY_BUDGET, unbudgeted=("place order",))
    assert problems == [], _table(results, "backordered")


@pytest.mark.parametrize("ours", ["no policy", "policies", "backordered"])
def test_basket_checkout_and_placement_cost_less_than_plain_oscar_at_50_lines(results, ours):
    assert check_fewer_than_plain(results, ours) == [], _table(results, ours)


def test_check_budget_reports_a_page_when_the_plugin_adds_a_query_per_line():
    fake = {
        ("plain", 1): dict.fromkeys(PAGES, 10),
        ("plain", 50): dict.fromkeys(PAGES, 10),
        ("plugin", 1): dict.fromkeys(PAGES, 11),
        ("plugin", 50): {**dict.fromkeys(PAGES, 11), "basket": 60},
    }
    problems = check_budget(fake, "plugin", POLICY_BUDGET)
    assert any(p.startswith("basket: 50 queries more") for p in problems)
    assert any("grow with lines" in p for p in problems)


def test_check_fewer_than_plain_reports_a_page_that_costs_as_much_as_plain_oscar():
    fake = {
        ("plain", 50): dict.fromkeys(PAGES, 100),
        ("plugin", 50): {**dict.fromkeys(PAGES, 90), "checkout preview": 100},
    }
    assert check_fewer_than_plain(fake, "plugin") == [
        "checkout preview: 100 queries at 50 lines, plain Oscar 100"
    ]
