"""Query budgets: the plugin adds at most 2 queries to a customer's page, and none per line.

Each page is counted for a basket of 1 and of 50 products, with the plugin and with plain Oscar
on the same data (``tests/budgets.py``). Plain Oscar's own basket, checkout and order pages grow
with the number of lines; the plugin's extra queries must not. ``make bench`` prints the table.
"""

from __future__ import annotations

import pytest

from tests.budgets import PAGES, table, walk

pytestmark = pytest.mark.django_db

BUDGET = 2
SIZES = (1, 50)


def check_budget(results, ours):
    """Per page: extra over plain Oscar ≤ BUDGET at every size, and not growing with lines."""
    problems = []
    for page in PAGES:
        extra = {n: results[(ours, n)][page] - results[("plain", n)][page] for n in SIZES}
        if max(extra.values()) > BUDGET:
            problems.append(f"{page}: {max(extra.values())} queries more than plain Oscar")
        if extra[SIZES[-1]] > extra[SIZES[0]]:
            problems.append(f"{page}: the plugin's extra queries grow with lines {extra}")
        plain_growth = results[("plain", SIZES[-1])][page] - results[("plain", SIZES[0])][page]
        ours_growth = results[(ours, SIZES[-1])][page] - results[(ours, SIZES[0])][page]
        if plain_growth == 0 and ours_growth != 0:
            problems.append(f"{page}: {ours_growth} more queries at 50 lines than at 1")
    return problems


def test_pages_stay_within_budget_when_the_basket_holds_1_or_50_in_stock_products():
    results = {(mode, n): walk(mode, n) for mode in ("plugin", "plain") for n in SIZES}
    results_table = table(results, SIZES)
    assert check_budget(results, "plugin") == [], results_table


def test_pages_stay_within_budget_when_every_line_is_backordered():
    results = {("plain", n): walk("plain", n) for n in SIZES}
    results.update({("backordered", n): walk("plugin", n, backordered=True) for n in SIZES})
    results_table = table(
        {(("plugin" if mode == "backordered" else mode), n): r for (mode, n), r in results.items()},
        SIZES,
    )
    assert check_budget(results, "backordered") == [], results_table


def test_check_budget_reports_a_page_when_the_plugin_adds_a_query_per_line():
    fake = {
        ("plain", 1): dict.fromkeys(PAGES, 10),
        ("plain", 50): dict.fromkeys(PAGES, 10),
        ("plugin", 1): dict.fromkeys(PAGES, 11),
        ("plugin", 50): {**dict.fromkeys(PAGES, 11), "basket": 60},
    }
    problems = check_budget(fake, "plugin")
    assert any(p.startswith("basket: 50 queries more") for p in problems)
    assert any("grow with lines" in p for p in problems)
