"""Public holidays from the ``holidays`` package join the shop's own closed days."""

import datetime as dt

import pytest

from oscar_backorders.checks import check_settings
from oscar_backorders.estimates.calendar import add_business_days
from oscar_backorders.estimates.public_holidays import ClosedDays
from oscar_backorders.estimates.shop_calendar import shop_calendar
from oscar_backorders.exceptions import BackorderConfigurationError


def _errors(settings_ids=("oscar_backorders.E005",)):
    return [m for m in check_settings() if m.id in settings_ids]


def test_dutch_easter_monday_moves_every_year_and_is_closed_when_country_is_nl(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "NL"
    closed = shop_calendar().holidays
    # Easter Monday: 6 April 2026, 29 March 2027; the days around it are open.
    assert dt.date(2026, 4, 6) in closed and dt.date(2027, 3, 29) in closed
    assert dt.date(2026, 3, 30) not in closed and dt.date(2027, 4, 5) not in closed
    # Ascension Day (a Thursday, 39 days after Easter) too.
    assert dt.date(2026, 5, 14) in closed and dt.date(2027, 5, 6) in closed


def test_business_days_skip_good_friday_and_easter_monday_when_country_is_nl(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "NL"
    cal = shop_calendar()
    thursday = dt.date(2026, 4, 2)  # Good Friday 3 April, Easter Monday 6 April
    assert add_business_days(thursday, 1, weekend=cal.weekend, holidays=cal.holidays) == dt.date(
        2026, 4, 7
    )
    assert add_business_days(thursday, 1, weekend=cal.weekend) == dt.date(2026, 4, 3)


def test_shops_own_closed_days_are_merged_with_public_holidays(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "NL"
    settings.BACKORDERS_HOLIDAYS = ("2026-12-24",)
    closed = shop_calendar().holidays
    assert dt.date(2026, 12, 24) in closed and dt.date(2026, 12, 25) in closed


def test_subdivision_adds_its_own_holidays_when_set(settings):
    corpus_christi = dt.date(2026, 6, 4)  # a Bavarian holiday, not a federal one
    settings.BACKORDERS_HOLIDAY_COUNTRY = "DE"
    assert corpus_christi not in shop_calendar().holidays
    settings.BACKORDERS_HOLIDAY_SUBDIVISION = "BY"
    assert corpus_christi in shop_calendar().holidays


def test_no_country_means_only_the_shops_own_dates():
    closed = shop_calendar().holidays
    assert dt.date(2026, 12, 25) not in closed and closed.country is None


def test_closed_days_compute_a_year_once_and_iterate_the_years_asked_about():
    closed = ClosedDays({dt.date(2031, 7, 1)}, country="NL")
    assert dt.date(2031, 12, 25) in closed
    assert dt.date(2031, 7, 1) in list(closed) and dt.date(2031, 4, 14) in list(closed)
    assert "2031-12-25" not in closed
    assert closed == ClosedDays({dt.date(2031, 7, 1)}, country="NL")
    assert hash(closed) == hash(ClosedDays({dt.date(2031, 7, 1)}, country="NL"))


def test_unknown_country_is_refused_by_the_check_and_the_calendar(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "XX"
    [error] = _errors()
    assert "BACKORDERS_HOLIDAY_COUNTRY is 'XX'" in error.msg
    assert "not a country code" in error.msg
    with pytest.raises(BackorderConfigurationError, match="BACKORDERS_HOLIDAY_COUNTRY"):
        shop_calendar()


def test_unknown_subdivision_is_refused_with_the_ones_the_country_has(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "DE"
    settings.BACKORDERS_HOLIDAY_SUBDIVISION = "ZZ"
    [error] = _errors()
    assert "not a subdivision of DE" in error.msg and "BY" in error.msg
    with pytest.raises(BackorderConfigurationError, match="not a subdivision of DE"):
        shop_calendar()


def test_subdivision_without_a_country_is_refused(settings):
    settings.BACKORDERS_HOLIDAY_SUBDIVISION = "BY"
    [error] = _errors()
    assert "needs BACKORDERS_HOLIDAY_COUNTRY" in error.msg
    with pytest.raises(BackorderConfigurationError, match="without BACKORDERS_HOLIDAY_COUNTRY"):
        shop_calendar()


@pytest.mark.parametrize("value", [42, "", ["NL"]])
def test_country_that_is_not_a_code_is_refused(settings, value):
    settings.BACKORDERS_HOLIDAY_COUNTRY = value
    [error] = _errors()
    assert "such as" in error.msg


def test_valid_country_and_subdivision_pass_the_checks(settings):
    settings.BACKORDERS_HOLIDAY_COUNTRY = "DE"
    settings.BACKORDERS_HOLIDAY_SUBDIVISION = "BY"
    assert _errors() == []
