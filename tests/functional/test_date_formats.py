"""One date format per context: a page about a placed order writes every date alike (Django's
localised ``DATE_FORMAT``, with the year), whatever the language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation
from oscar.test.factories import UserFactory

from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

#: language -> (the estimate as the order page writes it, the first promise, the short form
#: of the estimate that must not appear beside them)
DATES = {
    "en-gb": ("ships by 18 Dec 2026", "First promised for 8 Dec 2026", r"\b18 Dec\b(?! 2026)"),
    "nl": (
        "verzonden uiterlijk 18 december 2026",
        "Eerst beloofd voor 8 december 2026",
        r"\b18 dec\b",
    ),
}


@pytest.fixture(autouse=True)
def language_restored():
    previous = translation.get_language()
    yield
    translation.activate(previous)


@pytest.mark.parametrize("language", sorted(DATES))
def test_order_page_writes_the_estimate_and_the_first_promise_alike_when_a_date_moved(
    client, strategy, today, language
):
    user = UserFactory()
    client.force_login(user)
    order = place(basket_with(strategy, (stocked_product(num_in_stock=0), 2)), user=user)
    backorder = order.lines.get().backorder
    assert backorder.promised_date == dt.date(2026, 12, 8)
    backorder.estimated_date = dt.date(2026, 12, 18)  # the supplier is late
    backorder.save()
    with translation.override(language):
        url = reverse("customer:order", kwargs={"order_number": order.number})
    page = " ".join(client.get(url).content.decode().split())
    estimate, promise, short = DATES[language]
    assert estimate in page
    assert promise in page
    assert not re.search(short, page), f"a short date beside the full ones: {short}"
