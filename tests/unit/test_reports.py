"""The reports' pure aggregation functions and charts, on plain data (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from oscar_backorders.console import charts
from oscar_backorders.console.reports import (
    LineFact,
    ShipmentFact,
    aging_histogram,
    backorders_over_time,
    fill_rate,
    promise_accuracy,
    table_as_rows,
    value_waiting,
)

D = dt.date


MONDAY = D(2026, 11, 2)


def fact(created=MONDAY, *, partner="Acme", price="10.00", quantity=2, shipped=0,
         cancelled=0, allocated=0, currency="GBP", product="Kettle"):  # fmt: skip
    return LineFact(
        created=created,
        product=product,
        partner=partner,
        currency=currency,
        unit_price=None if price is None else Decimal(price),
        lines=1,
        open_lines=int(quantity > shipped + cancelled),
        quantity=quantity,
        allocated=allocated,
        shipped=shipped,
        cancelled=cancelled,
    )


def test_over_time_counts_lines_and_units_per_monday_week_including_empty_weeks():
    facts = [fact(D(2026, 11, 2)), fact(D(2026, 11, 8), quantity=3), fact(D(2026, 11, 17))]
    rows = backorders_over_time(facts, start=D(2026, 11, 1), end=D(2026, 11, 20))
    assert rows == [
        {"week": D(2026, 10, 26), "lines": 0, "units": 0},
        {"week": D(2026, 11, 2), "lines": 2, "units": 5},
        {"week": D(2026, 11, 9), "lines": 0, "units": 0},
        {"week": D(2026, 11, 16), "lines": 1, "units": 2},
    ]


def test_over_time_ignores_lines_outside_the_period_and_empty_periods():
    facts = [fact(D(2026, 10, 1)), fact(D(2026, 12, 1))]
    rows = backorders_over_time(facts, start=D(2026, 11, 2), end=D(2026, 11, 8))
    assert rows == [{"week": D(2026, 11, 2), "lines": 0, "units": 0}]
    assert backorders_over_time(facts, start=D(2026, 11, 8), end=D(2026, 11, 2)) == []


def test_aging_buckets_open_units_by_days_since_the_order_when_edges_are_crossed():
    today = D(2026, 11, 24)
    facts = [
        fact(today),  # 0 days
        fact(today - dt.timedelta(days=6)),  # still first bucket
        fact(today - dt.timedelta(days=7), quantity=3),  # second bucket
        fact(today - dt.timedelta(days=100)),  # last bucket
        fact(today - dt.timedelta(days=50), shipped=2),  # nothing open: ignored
    ]
    rows = aging_histogram(facts, today=today, edges=(7, 30))
    assert rows == [
        {"age": "0–6 days", "lines": 2, "units": 4},
        {"age": "7–29 days", "lines": 1, "units": 3},
        {"age": "30+ days", "lines": 1, "units": 2},
    ]


def test_aggregated_facts_count_as_many_lines_as_they_stand_for():
    many = LineFact(MONDAY, "Kettle", "Acme", "GBP", Decimal("2.00"), 3, 2, 6, 0, 0, 2)
    assert backorders_over_time([many], start=MONDAY, end=MONDAY)[0]["lines"] == 3
    aging = aging_histogram([many], today=MONDAY)
    assert (aging[0]["lines"], aging[0]["units"]) == (2, 4)
    assert value_waiting([many])[0]["value"] == Decimal("8.00")


def test_value_waiting_sums_open_units_by_partner_and_currency_and_counts_unpriced_units():
    facts = [
        fact(partner="Acme", price="10.00", quantity=3, cancelled=1),  # 2 open → 20
        fact(partner="Acme", price="5.50"),  # 2 open → 11
        fact(partner="Acme", price=None),  # 2 unpriced
        fact(partner="Acme", price="7.00", currency="EUR"),
        fact(partner="Bolt", price="100.00", shipped=2),  # nothing open
    ]
    rows = value_waiting(facts)
    assert rows == [
        {
            "partner": "Acme",
            "currency": "GBP",
            "lines": 3,
            "units": 6,
            "value": Decimal("31.00"),
            "unpriced_units": 2,
        },
        {
            "partner": "Acme",
            "currency": "EUR",
            "lines": 1,
            "units": 2,
            "value": Decimal("14.00"),
            "unpriced_units": 0,
        },
    ]


def test_fill_rate_is_shipped_over_settled_units_by_partner_with_a_total():
    facts = [
        fact(partner="Acme", quantity=4, shipped=3, cancelled=1),
        fact(partner="Acme", quantity=2),  # open, not counted in the rate
        fact(partner="Bolt", quantity=2, cancelled=2),
    ]
    rows = fill_rate(facts)
    assert [
        (r["partner"], r["shipped"], r["cancelled"], r["open"], r["fill_rate"]) for r in rows
    ] == [
        ("Acme", 3, 1, 2, 75.0),
        ("Bolt", 0, 2, 0, 0.0),
        ("All partners", 3, 3, 2, 50.0),
    ]


def test_fill_rate_is_none_when_nothing_has_settled():
    assert fill_rate([fact()])[0]["fill_rate"] is None


def test_promise_accuracy_counts_units_shipped_by_the_promise_and_average_lateness():
    promised = D(2026, 11, 10)
    shipments = [
        ShipmentFact("Kettle", "Acme", promised, D(2026, 11, 10), 2),  # on the day: on time
        ShipmentFact("Kettle", "Acme", promised, D(2026, 11, 13), 1),  # 3 days late
        ShipmentFact("Kettle", "Bolt", promised, D(2026, 11, 11), 1),  # 1 day late
        ShipmentFact("Apron", "Acme", promised, D(2026, 11, 1), 4),
    ]
    by_product = promise_accuracy(shipments, by="product")
    assert by_product == [
        {
            "product": "Apron",
            "shipped": 4,
            "on_time": 4,
            "late": 0,
            "accuracy": 100.0,
            "median_days_early": 9.0,
            "average_days_late": None,
        },
        {
            "product": "Kettle",
            "shipped": 4,
            "on_time": 2,
            "late": 2,
            "accuracy": 50.0,
            "median_days_early": 0.0,
            "average_days_late": 2.0,
        },
    ]
    by_partner = {
        row["partner"]: row["accuracy"] for row in promise_accuracy(shipments, by="partner")
    }
    assert by_partner == {"Acme": round(600 / 7, 1), "Bolt": 0.0}


def test_promise_accuracy_refuses_an_unknown_grouping():
    with pytest.raises(ValueError, match="'warehouse'"):
        promise_accuracy([], by="warehouse")


def test_promise_accuracy_groups_by_supplier_when_asked_and_names_units_without_a_delivery():
    promised = D(2026, 11, 10)
    shipments = [
        ShipmentFact("Kettle", "Acme", promised, D(2026, 11, 10), 2, "Kettle Works"),
        ShipmentFact("Toaster", "Acme", promised, D(2026, 11, 14), 2, "Kettle Works"),  # 4 late
        ShipmentFact("Apron", "Bolt", promised, D(2026, 11, 12), 3, "Linen & Co"),  # 2 late
        ShipmentFact("Mug", "Bolt", promised, D(2026, 11, 9), 1),  # no delivery, on time
    ]
    rows = promise_accuracy(shipments, by="supplier")
    assert [(r["supplier"], r["shipped"], r["on_time"], r["late"]) for r in rows] == [
        ("Kettle Works", 4, 2, 2),
        ("Linen & Co", 3, 0, 3),
        ("No delivery recorded", 1, 1, 0),
    ]
    assert [(r["accuracy"], r["average_days_late"]) for r in rows] == [
        (50.0, 4.0),
        (0.0, 2.0),
        (100.0, None),
    ]


def test_shipment_fact_has_no_supplier_when_not_given():
    fact = ShipmentFact("Kettle", "Acme", D(2026, 11, 10), D(2026, 11, 10), 1)
    assert fact.supplier == ""


def test_table_as_rows_orders_columns_and_blanks_missing_values():
    rows = table_as_rows("fill_rate", fill_rate([fact()]))
    assert rows[0] == [
        "partner",
        "units backordered",
        "shipped",
        "cancelled",
        "still open",
        "fill rate (%)",
    ]
    assert rows[1] == ["Acme", 2, 0, 0, 2, ""]


def test_charts_escape_labels_and_scale_bars_to_the_largest_value():
    svg = charts.column_chart(["<b>", "two"], [5, 10], title="Units & lines", height=140)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "Units &amp; lines" in svg
    assert 'height="84.0"' in svg  # the tallest bar fills the plot (140 - 16 - 40)
    assert 'height="42.0"' in svg


def test_split_bar_chart_shows_the_good_share_and_a_dash_when_empty():
    svg = charts.split_bar_chart(
        ["Acme", "Empty"], [3, 0], [1, 0], title="t", good_label="on time", bad_label="late"
    )
    assert "75 %" in svg
    assert "—" in svg
