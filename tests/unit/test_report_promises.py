"""Promise reports on hand-made shipments: padding, lateness, and calibration by confidence."""

from __future__ import annotations

import datetime as dt

from oscar_backorders.console.report_promises import ShipmentFact, calibration, promise_accuracy

D = dt.date
PROMISED = D(2026, 11, 20)


def shipped(days_early, quantity=1, *, supplier="Acme", confidence=None):
    """``quantity`` units shipped ``days_early`` days before the promise (negative: late)."""
    return ShipmentFact(
        "Kettle",
        "Shop",
        PROMISED,
        PROMISED - dt.timedelta(days=days_early),
        quantity,
        supplier,
        confidence,
    )


def test_supplier_rows_show_on_time_share_median_padding_and_mean_lateness():
    shipments = [
        shipped(1, 2),  # two units a day early
        shipped(4),
        shipped(10),
        shipped(-3),  # late by 3
        shipped(-6, 2),  # two units late by 6
        shipped(0, supplier="Bolt"),
        shipped(2, supplier="Bolt"),
    ]
    rows = promise_accuracy(shipments, by="supplier")
    assert rows == [
        {
            "supplier": "Acme",
            "shipped": 7,
            "on_time": 4,
            "late": 3,
            "accuracy": 57.1,
            "median_days_early": 2.5,  # of 1, 1, 4, 10 (units, not lines)
            "average_days_late": 5.0,  # (3 + 6 + 6) / 3
        },
        {
            "supplier": "Bolt",
            "shipped": 2,
            "on_time": 2,
            "late": 0,
            "accuracy": 100.0,
            "median_days_early": 1.0,
            "average_days_late": None,
        },
    ]


def test_median_padding_is_none_when_every_unit_was_late_and_odd_counts_take_the_middle():
    late = promise_accuracy([shipped(-2, 3)], by="supplier")[0]
    assert (late["accuracy"], late["median_days_early"], late["average_days_late"]) == (
        0.0,
        None,
        2.0,
    )
    odd = promise_accuracy([shipped(1), shipped(5, 3), shipped(30)], by="supplier")[0]
    assert odd["median_days_early"] == 5.0


def test_calibration_compares_the_on_time_rate_with_the_confidence_of_each_promise():
    shipments = [
        *(shipped(1, confidence=0.95) for _ in range(18)),
        shipped(-1, 2, confidence=0.951),  # rounds to the same 95% group
        shipped(3, 3, confidence=0.8),
        shipped(-2, confidence=0.8),
        shipped(5, 2),  # promised before promises carried a confidence
        shipped(-1),
    ]
    assert calibration(shipments) == [
        {"confidence": 80.0, "shipped": 4, "on_time": 3, "on_time_rate": 75.0, "difference": -5.0},
        {
            "confidence": 95.0,
            "shipped": 20,
            "on_time": 18,
            "on_time_rate": 90.0,
            "difference": -5.0,
        },
        {
            "confidence": "before promises had a confidence",
            "shipped": 3,
            "on_time": 2,
            "on_time_rate": 66.7,
            "difference": None,
        },
    ]


def test_calibration_shows_a_shop_that_kept_its_word_more_often_than_it_claimed():
    rows = calibration([shipped(2, 10, confidence=0.9)])
    assert rows == [
        {
            "confidence": 90.0,
            "shipped": 10,
            "on_time": 10,
            "on_time_rate": 100.0,
            "difference": 10.0,
        }
    ]


def test_calibration_is_empty_when_nothing_shipped():
    assert calibration([]) == []
