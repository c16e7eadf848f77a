"""The reports page of the backorder queue: permission, charts, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import PartnerFactory, UserFactory

from oscar_backorders import services
from oscar_backorders.console.exports import spreadsheet_safe
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import PurchaseOrderFactory, SupplierFactory

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
REPORTS = "admin:oscar_backorders_backorderline_reports"
CSV = "admin:oscar_backorders_backorderline_report_csv"


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def history(strategy, today):
    """Kettle (Acme): 2 shipped on time, 1 shipped late; apron (Bolt): 2 cancelled, 1 waiting."""
    acme, bolt = PartnerFactory(name="Acme"), PartnerFactory(name="Bolt")
    kettle = stocked_product(num_in_stock=0, partner=acme)
    kettle.title = "Kettle"
    kettle.save()
    apron = stocked_product(num_in_stock=0, partner=bolt)
    apron.title = "Apron"
    apron.save()
    place(basket_with(strategy, (kettle, 2)), number="1")
    place(basket_with(strategy, (kettle, 1)), number="2")
    place(basket_with(strategy, (apron, 3)), number="3")
    first, second, third = BackorderLine.objects.order_by("order__number")
    BackorderLine.objects.filter(pk=second.pk).update(promised_date=today - dt.timedelta(days=2))
    for line in (first, second):
        services.allocate_units(line.pk, line.quantity, reason="arrived")
        services.record_shipment(line.pk, line.quantity)
    services.cancel_units(third.pk, 2, reason="discontinued")
    return first, second, third


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_reports_page_draws_charts_and_tables_when_there_is_history(merchant, history):
    response = merchant.get(reverse(REPORTS))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") >= 5 + 1  # five charts, plus the admin's own icon sprite
    for title in (
        "Backorders over time",
        "Aging of open backorders",
        "Value waiting",
        "Fill rate",
        "Promise accuracy by product",
        "Promise accuracy by partner",
        "Promise accuracy by supplier",
        "Promise calibration: kept as often as promised?",
        "Units shipped by the promised date, by supplier",
    ):
        assert title in page
    assert 'src="http' not in page  # nothing loaded from the network


def test_changelist_links_to_the_reports_when_staff_may_see_them(merchant, today):
    page = merchant.get(reverse("admin:oscar_backorders_backorderline_changelist"))
    assert reverse(REPORTS) in page.content.decode()


def test_reports_are_refused_when_staff_lacks_the_report_permission(client, history):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_backorderline"))
    client.force_login(user)
    assert client.get(reverse(REPORTS)).status_code == 403
    assert client.get(reverse(CSV, args=["fill_rate"])).status_code == 403
    changelist = client.get(reverse("admin:oscar_backorders_backorderline_changelist"))
    assert reverse(REPORTS) not in changelist.content.decode()


def test_report_permission_alone_opens_the_reports(client, history):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_backorder_reports"))
    client.force_login(user)
    assert client.get(reverse(REPORTS)).status_code == 200


def test_fill_rate_csv_counts_shipped_and_cancelled_units_by_partner(merchant, history):
    rows = read_csv(merchant.get(reverse(CSV, args=["fill_rate"])))
    assert rows == [
        ["partner", "units backordered", "shipped", "cancelled", "still open", "fill rate (%)"],
        ["Acme", "3", "3", "0", "0", "100.0"],
        ["Bolt", "3", "0", "2", "1", "0.0"],
        ["All partners", "6", "3", "2", "1", "60.0"],
    ]


def test_promise_accuracy_csv_counts_late_units_by_product(merchant, history):
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_product"])))
    assert rows == [
        [
            "product",
            "units shipped",
            "by the promised date",
            "late",
            "on time (%)",
            "median days early (on-time units)",
            "average days late",
        ],
        ["Kettle", "3", "2", "1", "66.7", "14.0", "2.0"],
    ]


def delivered(record, supplier, received_on, *, quantity=5):
    """A purchase-order line of ``record`` from ``supplier``, fully received on ``received_on``."""
    PurchaseOrderLine.objects.create(
        purchase_order=PurchaseOrderFactory(supplier=supplier),
        stockrecord=record,
        quantity=quantity,
        quantity_received=quantity,
        status="received",
        expected_date=received_on,
        date_last_received=received_on,
    )


def test_promise_accuracy_counts_units_under_the_supplier_that_delivered_them(
    merchant, history, today
):
    kettle_record = history[0].stockrecord
    SupplierStockRecord.objects.create(
        supplier=SupplierFactory(name="Preferred Co"), stockrecord=kettle_record, is_preferred=True
    )
    delivered(kettle_record, SupplierFactory(name="Kettle Works"), today)
    # received before the lines were backordered: it did not fill them
    delivered(kettle_record, SupplierFactory(name="Old Stock Ltd"), today - dt.timedelta(days=9))
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_supplier"])))
    assert rows[0][0] == "supplier"
    assert rows[1:] == [["Kettle Works", "3", "2", "1", "66.7", "14.0", "2.0"]]


def test_promise_accuracy_does_not_guess_between_suppliers_that_both_delivered(
    merchant, history, today
):
    kettle_record = history[0].stockrecord
    delivered(kettle_record, SupplierFactory(name="Kettle Works"), today)
    delivered(kettle_record, SupplierFactory(name="Spare Co"), today)
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_supplier"])))
    assert [row[:2] for row in rows[1:]] == [["Several suppliers", "3"]]


def test_promise_accuracy_names_units_no_purchase_order_delivered(merchant, history):
    SupplierStockRecord.objects.create(
        supplier=SupplierFactory(name="Kettle Works"), stockrecord=history[0].stockrecord
    )
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_supplier"])))
    assert rows[1:] == [["No delivery recorded", "3", "2", "1", "66.7", "14.0", "2.0"]]


def test_calibration_csv_compares_promises_kept_with_the_confidence_they_were_made_with(
    merchant, history
):
    first, second, _third = history
    BackorderLine.objects.filter(pk__in=[first.pk, second.pk]).update(promise_confidence=0.95)
    rows = read_csv(merchant.get(reverse(CSV, args=["calibration"])))
    assert rows == [
        [
            "promised with confidence (%)",
            "units shipped",
            "by the promised date",
            "on time (%)",
            "on time minus confidence (points)",
        ],
        ["95.0", "3", "2", "66.7", "-28.3"],  # a negative figure stays a number
    ]
    BackorderLine.objects.filter(pk=second.pk).update(promise_confidence=None)
    rows = read_csv(merchant.get(reverse(CSV, args=["calibration"])))
    assert rows[1:] == [
        ["95.0", "2", "2", "100.0", "5.0"],
        ["before promises had a confidence", "1", "0", "0.0", ""],
    ]


def test_value_waiting_and_aging_csv_count_only_open_units(merchant, history):
    value = read_csv(merchant.get(reverse(CSV, args=["value_waiting"])))
    assert value[1][:4] == ["Bolt", "GBP", "1", "1"]
    assert len(value) == 2
    aging = read_csv(merchant.get(reverse(CSV, args=["aging"])))
    assert aging[1] == ["0–6 days", "1", "1"]


def test_over_time_csv_respects_the_chosen_period(merchant, history, today):
    response = merchant.get(
        reverse(CSV, args=["over_time"]), {"since": "2026-11-23", "until": "2026-11-29"}
    )
    assert (
        'filename="backorders-over_time-20261123-20261129.csv"' in response["Content-Disposition"]
    )
    assert read_csv(response)[1:] == [["2026-11-23", "3", "6"]]


def test_unknown_report_table_is_404(merchant, today):
    assert merchant.get(reverse(CSV, args=["salaries"])).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"since": "2026-12-01", "until": "2026-11-01"},
            "The start of the period is after its end.",
        ),
        ({"since": "yesterday", "until": "2026-11-01"}, "Enter a valid date."),
    ],
)
def test_bad_report_period_is_refused_with_a_message_and_the_default_period_shown(
    merchant, today, params, message
):
    response = merchant.get(reverse(REPORTS), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["since"] == today - dt.timedelta(weeks=12)


def test_bucketed_facts_give_the_same_aging_and_weeks_as_exact_days(today):
    from oscar_backorders.console import reports
    from tests.bulk import bulk_backorder_lines

    bulk_backorder_lines(240)  # created over the last 120 days, two per day
    exact_open = list(reports.line_facts(open_only=True))
    bucketed_open = list(
        reports.line_facts(open_only=True, day_buckets=reports.aging_bucket_starts(today))
    )
    assert len(bucketed_open) < len(exact_open)
    assert reports.aging_histogram(bucketed_open, today=today) == reports.aging_histogram(
        exact_open, today=today
    )
    since, until = today - dt.timedelta(days=60), today
    weeks = [reports._week_start(since) + dt.timedelta(weeks=n) for n in range(11)]
    exact = list(reports.line_facts(created_since=since, created_until=until))
    bucketed = list(reports.line_facts(created_since=since, created_until=until, day_buckets=weeks))
    assert reports.backorders_over_time(
        bucketed, start=since, end=until
    ) == reports.backorders_over_time(exact, start=since, end=until)
    assert sum(f.lines for f in exact) == 122  # days 0..60 inclusive, two lines each


@pytest.mark.parametrize(
    "title",
    [
        '=HYPERLINK("http://evil.example/x","Click")',
        "+SUM(1,2)",
        "-2+3",
        "@cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_report_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    merchant, history, title
):
    kettle = history[0].line.product
    kettle.title = title
    kettle.save()
    history[0].line.__class__.objects.filter(product=kettle).update(title=title)
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_product"])))
    assert rows[1][0] == "'" + title
    assert rows[1][1:] == ["3", "2", "1", "66.7", "14.0", "2.0"]  # figures stay numbers


def test_report_csv_keeps_negative_numbers_numeric():
    assert [spreadsheet_safe(v) for v in (-3, 0, "Kettle", None)] == [-3, 0, "Kettle", None]


def test_supplier_names_a_spreadsheet_would_run_are_exported_as_text(merchant, history, today):
    delivered(history[0].stockrecord, SupplierFactory(name="=1+1"), today)
    rows = read_csv(merchant.get(reverse(CSV, args=["accuracy_by_supplier"])))
    assert rows[1][0] == "'=1+1"
