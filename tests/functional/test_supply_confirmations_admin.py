"""The merchant records a supplier's confirmed arrival date in the admin, through the service."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.factories import stocked_product
from tests.helpers import staff_with
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
LINE_CHANGE = "admin:oscar_backorders_purchaseorderline_change"


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def po_line(today):
    record = stocked_product(num_in_stock=0).stockrecords.get()
    return inbound(record, 5, dt.date(2026, 12, 1))


def order_form(line, confirmed):
    """The purchase order's change form, as posted, with its one line's confirmed date."""
    order = line.purchase_order
    return {
        "supplier": order.supplier_id,
        "reference": order.reference,
        "status": order.status,
        "notes": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-purchase_order": order.pk,
        "lines-0-stockrecord": line.stockrecord_id,
        "lines-0-quantity": line.quantity,
        "lines-0-expected_date": line.expected_date.isoformat(),
        "lines-0-confirmed_date": confirmed,
    }


def line_form(line, confirmed):
    return {
        "purchase_order": line.purchase_order_id,
        "stockrecord": line.stockrecord_id,
        "quantity": line.quantity,
        "expected_date": line.expected_date.isoformat(),
        "confirmed_date": confirmed,
    }


def test_merchant_enters_the_confirmed_date_on_the_purchase_order_and_it_is_recorded(
    merchant, po_line
):
    url = reverse("admin:oscar_backorders_purchaseorder_change", args=[po_line.purchase_order_id])
    response = merchant.post(url, order_form(po_line, "2026-12-05"))
    assert response.status_code == 302, response.content.decode()[:2000]
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.first_confirmed_date) == (dt.date(2026, 12, 5),) * 2
    assert po_line.date_confirmed is not None  # set by the service, not by the model form
    entry = LogEntry.objects.get(content_type__model="purchaseorderline", object_id=po_line.pk)
    assert "arrival confirmed for 2026-12-05" in entry.get_change_message()


def test_merchant_confirms_on_a_new_purchase_order_line(merchant, po_line):
    supplier = SupplierFactory()
    response = merchant.post(
        reverse("admin:oscar_backorders_purchaseorder_add"),
        {
            **order_form(po_line, "2026-12-07"),
            "supplier": supplier.pk,
            "reference": "PO-NEW",
            "lines-INITIAL_FORMS": "0",
            "lines-0-id": "",
            "lines-0-purchase_order": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    line = PurchaseOrderLine.objects.get(purchase_order__reference="PO-NEW")
    assert (line.confirmed_date, line.first_confirmed_date) == (dt.date(2026, 12, 7),) * 2
    assert line.date_confirmed is not None


def test_a_past_confirmed_date_is_refused_on_the_line_with_its_reason_and_nothing_changes(
    merchant, po_line
):
    response = merchant.post(
        reverse(LINE_CHANGE, args=[po_line.pk]), line_form(po_line, "2026-11-20")
    )
    assert response.status_code == 200
    assert "20 Nov 2026 is in the past" in response.content.decode()
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.first_confirmed_date) == (None, None)


def test_a_received_line_cannot_be_given_a_confirmed_date(merchant, po_line):
    PurchaseOrderLine.objects.filter(pk=po_line.pk).update(status="received", quantity_received=5)
    url = reverse("admin:oscar_backorders_purchaseorder_change", args=[po_line.purchase_order_id])
    response = merchant.post(url, order_form(po_line, "2026-12-05"))
    assert response.status_code == 200
    assert "there is no arrival left to confirm" in response.content.decode()
    po_line.refresh_from_db()
    assert po_line.confirmed_date is None


def test_emptying_the_confirmed_date_withdraws_the_confirmation(merchant, po_line):
    url = reverse(LINE_CHANGE, args=[po_line.pk])
    merchant.post(url, line_form(po_line, "2026-12-05"))
    response = merchant.post(url, line_form(po_line, ""))
    assert response.status_code == 302, response.content.decode()[:2000]
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.date_confirmed) == (None, None)
    assert po_line.first_confirmed_date == dt.date(2026, 12, 5)


def test_confirmed_dates_are_shown_in_the_purchase_order_line_list(merchant, po_line):
    merchant.post(reverse(LINE_CHANGE, args=[po_line.pk]), line_form(po_line, "2026-12-05"))
    changelist = reverse("admin:oscar_backorders_purchaseorderline_changelist")
    response = merchant.get(changelist)
    # the arrival column: the supplier's date when confirmed, in the language's short format
    assert '5 Dec<br><span class="backorder-sub">confirmed</span>' in response.content.decode()
    assert list(response.context["cl"].result_list) == [po_line]
    unconfirmed = merchant.get(changelist, {"confirmed_date__isempty": "1"})
    assert list(unconfirmed.context["cl"].result_list) == []


def test_staff_who_may_only_view_lines_cannot_confirm_a_date(client, po_line):
    clerk = staff_with(
        client, "change_purchaseorder", "view_purchaseorder", "view_purchaseorderline"
    )
    url = reverse("admin:oscar_backorders_purchaseorder_change", args=[po_line.purchase_order_id])
    clerk.post(url, order_form(po_line, "2026-12-05"))
    assert (
        clerk.post(
            reverse(LINE_CHANGE, args=[po_line.pk]), line_form(po_line, "2026-12-05")
        ).status_code
        == 403
    )
    po_line.refresh_from_db()
    assert (po_line.confirmed_date, po_line.date_confirmed) == (None, None)
