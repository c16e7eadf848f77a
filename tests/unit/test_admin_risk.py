"""The promise risk as the queue shows it: a whole, localised percentage."""

import pytest
from django.utils import translation

from oscar_backorders.console.risk import at_risk_above, likely_missed_from, percentage


@pytest.mark.parametrize(
    ("risk", "shown"),
    [
        (None, None),
        (0.0, "0%"),
        (0.004, "< 1%"),
        (0.125, "13%"),
        (0.2, "20%"),
        (0.996, "> 99%"),
        (1.0, "100%"),
    ],
)
def test_chance_of_missing_is_a_whole_percentage_with_its_ends_kept_apart(risk, shown):
    with translation.override("en"):
        assert percentage(risk) == shown


def test_thresholds_come_from_the_promise_settings(settings):
    settings.BACKORDERS_PROMISE_CONFIDENCE = 0.95
    settings.BACKORDERS_PROMISE_REVISE_BELOW = 0.5
    assert (at_risk_above(), likely_missed_from()) == (0.05, 0.5)
