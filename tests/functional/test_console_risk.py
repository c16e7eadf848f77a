"""The queue shows each line's chance of missing its promise and filters the lines at risk."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.bulk import bulk_backorder_lines

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
URL = "admin:oscar_backorders_backorderline_changelist"

#: Order number → chance of missing (statuses cycle waiting, waiting, allocated, shipped,
#: cancelled from 500000).
RISKS = {
    "500000": 0.02,  # waiting, on track
    "500001": 0.2,  # waiting, at risk
    "500002": 0.6,  # ready to ship, likely to be missed
    "500003": 0.9,  # shipped: no longer in the queue's risk
    "500005": None,  # waiting, not assessed yet
    "500006": 0.05,  # waiting, exactly as likely kept as when promised: on track
    "500007": 0.5,  # ready to ship, exactly at the revision threshold: likely to be missed
}


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def queue(today):
    bulk_backorder_lines(10)
    for number, risk in RISKS.items():
        BackorderLine.objects.filter(order__number=number).update(miss_risk=risk)


def numbers(response):
    assert response.status_code == 200
    return {line.order.number for line in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("at_risk", {"500001", "500002", "500007"}),
        ("likely_missed", {"500002", "500007"}),
        ("on_track", {"500000", "500006"}),
    ],
)
def test_queue_filters_open_lines_by_promise_risk_when_asked(merchant, queue, choice, expected):
    assert numbers(merchant.get(reverse(URL), {"queue": "all", "risk": choice})) == expected


@override_settings(BACKORDERS_PROMISE_CONFIDENCE=0.8, BACKORDERS_PROMISE_REVISE_BELOW=0.45)
def test_risk_thresholds_follow_the_promise_settings(merchant, queue):
    at_risk = numbers(merchant.get(reverse(URL), {"queue": "all", "risk": "at_risk"}))
    likely = numbers(merchant.get(reverse(URL), {"queue": "all", "risk": "likely_missed"}))
    # 1 − 0.8 is 0.19999999999999996 in floating point: a 20% risk is not above it
    assert at_risk == {"500002", "500007"}
    assert likely == {"500002"}


def test_an_unknown_risk_choice_is_refused_with_a_message_and_an_empty_list(merchant, queue):
    response = merchant.get(reverse(URL), {"risk": "doomed"})
    assert numbers(response) == set()
    assert "Promise risk: choose at risk, likely to be missed or on track, not doomed." in [
        str(message) for message in get_messages(response.wsgi_request)
    ]


def test_queue_shows_the_chance_of_missing_as_a_percentage_and_nothing_when_unknown(
    merchant, queue
):
    response = merchant.get(reverse(URL), {"queue": "all"})
    page = response.content.decode()
    assert "Promised" in page  # the date promised now, with the chance of missing as a badge
    rows = {
        line.order.number: response.context["cl"].model_admin.chance_of_missing(line)
        for line in response.context["cl"].result_list
    }
    assert (rows["500001"], rows["500002"], rows["500005"]) == ("20%", "60%", None)
    assert 'title="chance of missing">20%</span>' in page
    assert '<span class="backorder-risk backorder-risk-high" title="chance of missing">60%' in page
    line = BackorderLine.objects.get(order__number="500001")
    detail = merchant.get(reverse("admin:oscar_backorders_backorderline_change", args=[line.pk]))
    for label in ("Date promised now", "Most likely ship date", "Chance of missing", "20%"):
        assert label in detail.content.decode()
