"""The pure comparison behind ``check_backorders``."""

from __future__ import annotations

from oscar_backorders.consistency import LineFacts, StockFacts, compare, compare_line


def line(**kwargs):
    values = {
        "id": 1,
        "stockrecord_id": 9,
        "quantity": 4,
        "allocated": 0,
        "shipped": 0,
        "cancelled": 0,
        "status": "waiting",
    }
    values.update(kwargs)
    return LineFacts(**values)


def test_compare_accepts_counters_when_waiting_units_match_the_shortfall():
    stock = StockFacts(9, "sr 9", num_in_stock=1, num_allocated=5, cap=4)
    assert compare(stock, [line()]) == []


def test_compare_reports_every_rule_when_the_counters_are_off_in_every_way():
    stock = StockFacts(9, "sr 9", num_in_stock=0, num_allocated=3, cap=2)
    found = {f.code for f in compare(stock, [line(quantity=2)])}
    assert found == {"unrecorded-shortfall", "cap-exceeded"}
    found = {f.code for f in compare(StockFacts(9, "sr 9", 0, 1), [line(quantity=2)])}
    assert found == {"counter-below-open", "stock-for-waiting"}


def test_compare_line_reports_negative_waiting_when_parts_exceed_the_quantity():
    found = compare_line(line(quantity=2, allocated=1, shipped=2, shipped_events=2))
    assert [f.code for f in found] == ["line-quantities"]


def test_compare_line_reports_status_when_it_does_not_follow_from_the_quantities():
    found = compare_line(line(allocated=4, status="waiting"))
    assert [f.code for f in found] == ["line-status"]
    assert "quantities say 'allocated'" in found[0].message
