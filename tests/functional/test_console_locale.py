"""The console in the merchant's language: the queue's compact columns, the line's page, money as
Oscar writes it, dates and chart labels in the active locale (CSV stays machine-readable)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.console.payment_column import payment_state
from tests.bulk import bulk_backorder_lines

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
QUEUE = "admin:oscar_backorders_backorderline_changelist"
REPORTS = "admin:oscar_backorders_backorderline_reports"
NBSP = "\xa0"


@pytest.fixture(autouse=True)
def default_language_after():
    """A request to /nl/… leaves Dutch active in this thread: later tests must not inherit it."""
    yield
    translation.deactivate()


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def authorised_line(today):
    bulk_backorder_lines(1)
    line = BackorderLine.objects.get()
    PaymentAuthorisation.objects.create(
        order_id=line.order_id,
        gateway="dummy",
        reference="auth-1",
        currency="GBP",
        amount=Decimal("1234.50"),
        amount_captured=Decimal("0.00"),
        status="active",
        expires_at=timezone.now() + dt.timedelta(days=3),  # 27 Nov, 10:00 in London
    )
    return BackorderLine.objects.get()


def test_queue_shows_seven_triage_columns_and_the_line_page_shows_the_rest(merchant, today):
    bulk_backorder_lines(1, number_start=700)
    response = merchant.get(reverse(QUEUE))
    columns = [name for name in response.context["cl"].list_display if name != "action_checkbox"]
    assert columns == [
        "order_and_customer",
        "product",
        "units",
        "status",
        "promise",
        "priority",
        "payment_state_display",
    ]
    page = response.content.decode()
    assert '700<br><span class="backorder-sub">guest0@example.com</span>' in page
    assert '<td class="field-units">' in page
    line = BackorderLine.objects.get()
    detail = merchant.get(reverse("admin:oscar_backorders_backorderline_change", args=[line.pk]))
    text = detail.content.decode()
    for label in ("Customer", "guest0@example.com", "Days waiting", "Payment", "Waiting"):
        assert label in text
    assert "Date promised at checkout" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", "authorised £1,234.50, capture by 27 Nov 10 a.m."),
        ("nl", f"£{NBSP}1.234,50"),
    ],
)
def test_payment_column_writes_money_as_oscar_and_dates_in_the_language_when_shown(
    authorised_line, language, expected
):
    with translation.override(language):
        state = payment_state(authorised_line)
    assert expected in state
    assert "GBP" not in state and "2026-11-27" not in state
    if language == "nl":
        assert "27 nov 10:00" in state


def url_in(language, name, *args):
    """The admin speaks the language of its URL prefix (/nl/admin/…, i18n_patterns)."""
    with translation.override(language):
        return reverse(name, args=args)


def test_queue_page_in_dutch_shows_dutch_money_and_dates_when_opened_in_dutch(
    merchant, authorised_line
):
    page = merchant.get(url_in("nl", QUEUE)).content.decode()
    assert f"£{NBSP}1.234,50" in page
    assert "27 nov 10:00" in page


@pytest.mark.parametrize(
    ("language", "label", "absent"),
    [("en-gb", ">5 Oct</text>", ">5 okt</text>"), ("nl", ">5 okt</text>", ">5 Oct</text>")],
)
def test_report_chart_labels_and_tooltips_use_the_languages_month_names_when_drawn(
    merchant, today, language, label, absent
):
    bulk_backorder_lines(40)
    page = merchant.get(url_in(language, REPORTS)).content.decode()
    assert label in page  # the axis label of the week starting Monday 5 October 2026
    assert f"<title>{label[1:].removesuffix('</text>')}: " in page  # its bar's tooltip
    assert absent not in page


def test_report_value_is_oscar_money_on_the_page_and_a_plain_number_in_the_csv(merchant, today):
    bulk_backorder_lines(10)
    page = merchant.get(url_in("nl", REPORTS)).content.decode()
    section = page.split('id="report-value_waiting"')[1].split("</section>")[0]
    assert f"£{NBSP}" in section
    response = merchant.get(
        url_in("nl", "admin:oscar_backorders_backorderline_report_csv", "value_waiting")
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    value = rows[1][4]  # partner, currency, lines, units, value
    assert Decimal(value) > 0  # "123.00", never "£ 123,00"
    weeks = list(
        csv.reader(
            io.StringIO(
                merchant.get(
                    url_in("nl", "admin:oscar_backorders_backorderline_report_csv", "over_time")
                ).content.decode()
            )
        )
    )
    assert dt.date.fromisoformat(weeks[-1][0]) == dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("language", "written", "shown"),
    [("en-gb", "01/11/2026", 'value="01/11/2026"'), ("nl", "01-11-2026", 'value="01-11-2026"')],
)
def test_report_period_is_written_and_read_as_the_languages_dates_when_chosen(
    merchant, today, language, written, shown
):
    bulk_backorder_lines(3)
    response = merchant.get(url_in(language, REPORTS), {"since": written, "until": "2026-11-29"})
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["since"] == dt.date(2026, 11, 1)
    assert shown in page and 'class="vDateField"' in page  # the admin's date field and calendar
    assert 'type="date"' not in page  # not the browser's field, which follows its own locale
