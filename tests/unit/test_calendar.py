import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oscar_backorders.estimates.calendar import add_business_days, is_business_day

TUESDAY = dt.date(2026, 11, 24)


def test_add_business_days_skips_weekends():
    assert add_business_days(TUESDAY, 10) == dt.date(2026, 12, 8)


def test_add_business_days_skips_listed_holidays():
    assert add_business_days(TUESDAY, 1, holidays={dt.date(2026, 11, 25)}) == dt.date(2026, 11, 26)


def test_zero_days_from_a_saturday_moves_to_monday():
    assert add_business_days(dt.date(2026, 11, 28), 0) == dt.date(2026, 11, 30)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_days(TUESDAY, -1)


def test_a_week_without_business_days_is_refused():
    with pytest.raises(ValueError, match="at least one business day"):
        add_business_days(TUESDAY, 1, weekend=range(1, 8))


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
)
def test_result_is_a_business_day_and_never_before_start(start, days):
    result = add_business_days(start, days)
    assert result >= start
    assert is_business_day(result, weekend=(6, 7), holidays=())
    # Exactly `days` business days lie after the first business day on or after start.
    first = add_business_days(start, 0)
    count = sum(
        1
        for n in range(1, (result - first).days + 1)
        if is_business_day(first + dt.timedelta(days=n), weekend=(6, 7), holidays=())
    )
    assert count == days
