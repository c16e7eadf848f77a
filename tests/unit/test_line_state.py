"""How one order line's backorder state reads to a customer (no database)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import translation

from oscar_backorders.line_states import LineState


class _NoBackorder:
    quantity = 4
    title = "Notebook"

    @property
    def backorder(self):
        raise LookupError("no backordered part")


def line(quantity=5, **backorder):
    values = {
        "pk": 1,
        "quantity": 2,
        "quantity_allocated": 0,
        "quantity_shipped": 0,
        "quantity_cancelled": 0,
        "estimated_date": dt.date(2026, 12, 8),
        "promised_date": dt.date(2026, 12, 8),
        "is_preorder": False,
    }
    values.update(backorder)
    values["quantity_waiting"] = (
        values["quantity"]
        - values["quantity_allocated"]
        - values["quantity_shipped"]
        - values["quantity_cancelled"]
    )
    return SimpleNamespace(
        quantity=quantity, title="Pour-over", backorder=SimpleNamespace(**values)
    )


@pytest.fixture(autouse=True)
def english(today):
    with translation.override("en-gb"):
        yield


def test_line_without_backorder_is_all_from_stock():
    state = LineState.of(_NoBackorder())
    assert (state.from_stock, state.is_backordered, state.can_cancel) == (4, False, False)
    assert state.message == "4 from stock"
    assert state.later_message == ""


def test_every_state_is_named_in_order():
    raw = line(quantity=9)
    raw.backorder.quantity = 8
    raw.backorder.quantity_allocated = 2
    raw.backorder.quantity_shipped = 1
    raw.backorder.quantity_cancelled = 1
    raw.backorder.quantity_waiting = 4
    state = LineState.of(raw)
    assert state.parts == [
        "1 from stock",
        "4 waiting for stock — ships by 8 Dec 2026",
        "2 ready to ship",
        "1 shipped separately",
        "1 cancelled",
    ]
    assert state.later_message == "8 of 9 on backorder — ships by 8 Dec 2026"
    assert state.can_cancel and state.is_open


def test_delay_is_flagged_when_the_estimate_moved_past_the_promise():
    state = LineState.of(line(estimated_date=dt.date(2026, 12, 20)))
    assert state.is_delayed
    assert not LineState.of(line()).is_delayed


def test_nothing_to_cancel_once_nothing_waits_even_while_units_are_ready_to_ship():
    state = LineState.of(line(quantity_allocated=1, quantity_shipped=1))
    assert (state.waiting, state.can_cancel, state.is_open) == (0, False, True)
    shipped = LineState.of(line(quantity_shipped=2, estimated_date=dt.date(2026, 12, 20)))
    assert (shipped.can_cancel, shipped.is_open, shipped.is_delayed) == (False, False, False)


def test_preorder_speaks_of_the_release():
    state = LineState.of(line(is_preorder=True, estimated_date=dt.date(2026, 12, 10)))
    assert state.parts == ["3 from stock", "2 pre-ordered — ships on release, 10 Dec 2026"]
    assert state.later_message == "2 of 5 pre-ordered — ships on release, 10 Dec 2026"
