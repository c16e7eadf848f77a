"""A member of staff manages purchase orders over the REST API with the admin's permissions:
list, create, import a CSV, confirm a line's arrival date, receive a line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.factories import stocked_product
from tests.functional.api.helpers import staff_with, url
from tests.helpers import basket_with, place
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
BackorderLine = get_model("oscar_backorders", "BackorderLine")


def written():
    return (
        list(PurchaseOrder.objects.values_list("reference", "status")),
        list(
            PurchaseOrderLine.objects.order_by("pk").values_list(
                "quantity_received", "status", "confirmed_date"
            )
        ),
        list(BackorderLine.objects.values_list("quantity_allocated", flat=True)),
    )


@pytest.fixture
def product(today):
    product = stocked_product(num_in_stock=0)
    record = product.stockrecords.get()
    record.partner_sku = "MUG-RED"
    record.save()
    return product


@pytest.fixture
def supplier():
    return SupplierFactory(code="acme")


@pytest.fixture
def po_line(product, supplier, today):
    return inbound(product.stockrecords.get(), 5, today + dt.timedelta(days=10), supplier=supplier)


def new_order(today, **overrides):
    line = {"sku": "MUG-RED", "quantity": 24, "expected_date": str(today + dt.timedelta(days=9))}
    return {"reference": "PO-7", "supplier": "acme", "lines": [line], **overrides}


def test_staff_creates_a_purchase_order(api, product, supplier, today):
    user = staff_with(api, "add_purchaseorder", "add_purchaseorderline")
    response = api.post(url("purchase-orders"), new_order(today), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["reference"], data["supplier"], data["status"]) == ("PO-7", "acme", "open")
    assert data["lines"][0]["quantity_outstanding"] == 24
    assert PurchaseOrder.objects.get().created_by == user


def test_purchase_order_with_a_bad_line_is_refused_per_line_and_nothing_is_written(
    api, product, supplier, today
):
    staff_with(api, "add_purchaseorder", "add_purchaseorderline")
    body = new_order(today)
    body["lines"].append({"sku": "NOPE", "quantity": 0, "expected_date": "2020-01-01"})
    response = api.post(url("purchase-orders"), body, format="json")
    assert response.status_code == 400
    first, second = response.json()["lines"]
    assert first == [] and any("unknown SKU 'NOPE'" in e for e in second)
    assert any("in the past" in e for e in second)
    assert not PurchaseOrder.objects.exists()


def test_creating_purchase_orders_is_forbidden_without_the_add_permissions(
    api, product, supplier, today
):
    staff_with(api, "add_purchaseorder", "view_purchaseorder")
    assert api.post(url("purchase-orders"), new_order(today), format="json").status_code == 403
    assert api.post(url("import"), {"csv": "x"}, format="json").status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_staff_imports_purchase_orders_from_csv_after_a_dry_run(api, product, supplier, today):
    staff_with(api, "add_purchaseorder", "add_purchaseorderline")
    day = today + dt.timedelta(days=9)
    text = f"reference,supplier,sku,quantity,expected_date\nPO-9,acme,MUG-RED,3,{day}\n"
    dry = api.post(url("import"), {"csv": text, "dry_run": True}, format="json")
    assert dry.status_code == 200 and dry.json()["valid"] is True
    assert not PurchaseOrder.objects.exists()
    done = api.post(url("import"), {"csv": text}, format="json")
    assert done.status_code == 201 and done.json()["created"] == ["PO-9"]


def test_invalid_csv_is_refused_with_its_messages_and_nothing_is_imported(
    api, product, supplier, today
):
    staff_with(api, "add_purchaseorder", "add_purchaseorderline")
    text = "reference,supplier,sku,quantity,expected_date\nPO-9,nobody,MUG-RED,3,2020-01-01\n"
    response = api.post(url("import"), {"csv": text}, format="json")
    assert response.status_code == 400
    assert any("unknown or inactive supplier" in e for e in response.json()["csv"])
    assert not PurchaseOrder.objects.exists()


def test_purchase_order_list_costs_the_same_queries_whatever_its_length(
    api, product, supplier, po_line, today
):
    staff_with(api, "view_purchaseorder")
    api.get(url("purchase-orders"))
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url("purchase-orders")).json()) == 1
    record = product.stockrecords.get()
    for _ in range(5):
        inbound(record, 2, today + dt.timedelta(days=3), supplier=supplier)
    with CaptureQueriesContext(connection) as six:
        assert len(api.get(url("purchase-orders")).json()) == 6
    assert len(one) == len(six)


def test_staff_confirms_then_withdraws_a_lines_arrival_date(api, po_line, today):
    staff_with(api, "change_purchaseorderline")
    day = today + dt.timedelta(days=12)
    response = api.post(
        url("confirm-arrival", po_line.pk), {"confirmed_date": str(day)}, format="json"
    )
    assert response.status_code == 200 and response.json()["confirmed_date"] == str(day)
    response = api.post(url("confirm-arrival", po_line.pk), {"confirmed_date": None}, format="json")
    assert response.status_code == 200 and response.json()["confirmed_date"] is None


def test_confirmed_date_in_the_past_is_refused_with_a_field_message(api, po_line):
    staff_with(api, "change_purchaseorderline")
    before = written()
    response = api.post(
        url("confirm-arrival", po_line.pk), {"confirmed_date": "2020-01-01"}, format="json"
    )
    assert response.status_code == 400 and response.json()["confirmed_date"]
    assert written() == before


def test_staff_receives_a_line_and_its_units_go_to_waiting_lines(api, strategy, product, po_line):
    place(basket_with(strategy, (product, 2)), number="1")
    staff_with(api, "change_purchaseorderline", "allocate_backorder_stock")
    response = api.post(url("receive", po_line.pk), {"quantity": 3}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["allocated_units"] == 2 and len(data["allocated_lines"]) == 1
    assert data["line"]["status"] == "partial" and "Received 3" in data["detail"]


def test_receiving_more_than_expected_is_refused_and_nothing_changes(api, po_line):
    staff_with(api, "change_purchaseorderline", "allocate_backorder_stock")
    before = written()
    response = api.post(url("receive", po_line.pk), {"quantity": 6}, format="json")
    assert response.status_code == 400 and "Only 5" in response.json()["quantity"][0]
    assert written() == before


def test_receiving_is_forbidden_without_the_allocate_permission(api, po_line):
    staff_with(api, "change_purchaseorderline")
    before = written()
    assert api.post(url("receive", po_line.pk), {"quantity": 1}, format="json").status_code == 403
    assert written() == before


def test_unknown_purchase_order_line_is_not_found(api, po_line):
    staff_with(api, "change_purchaseorderline", "allocate_backorder_stock")
    assert api.post(url("receive", 99999), {"quantity": 1}, format="json").status_code == 404


def test_confirming_a_date_is_forbidden_without_the_change_permission(api, po_line, today):
    staff_with(api, "view_purchaseorder")
    before = written()
    day = str(today + dt.timedelta(days=12))
    response = api.post(url("confirm-arrival", po_line.pk), {"confirmed_date": day}, format="json")
    assert response.status_code == 403
    assert written() == before


def test_customers_cannot_reach_purchase_orders(api, po_line):
    api.force_authenticate(UserFactory())
    assert api.get(url("purchase-orders")).status_code == 403
    assert api.post(url("receive", po_line.pk), {"quantity": 1}, format="json").status_code == 403


def test_staff_withdraws_a_suppliers_confirmation_and_its_stock_is_redated(
    api, po_line, today, run_on_commit, monkeypatch
):
    from oscar_backorders.estimates import service
    from oscar_backorders.supply.confirmations import confirm_arrival

    confirm_arrival(po_line.pk, today + dt.timedelta(days=20))
    redated = []
    monkeypatch.setattr(
        service, "recompute", lambda ids=None, *, reason: redated.append((list(ids), reason)) or []
    )
    staff_with(api, "change_purchaseorderline")
    response = run_on_commit(api.post, url("withdraw-confirmation", po_line.pk), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["confirmed_date"] is None
    assert PurchaseOrderLine.objects.get().confirmed_date is None
    assert [(ids, "withdrawn" in why) for ids, why in redated] == [([po_line.stockrecord_id], True)]


def test_withdrawing_on_a_closed_line_is_refused_and_nothing_changes(api, po_line):
    from oscar_backorders.supply.receiving import cancel_line

    cancel_line(po_line.pk)
    staff_with(api, "change_purchaseorderline")
    before = written()
    response = api.post(url("withdraw-confirmation", po_line.pk), format="json")
    assert response.status_code == 400 and "cancelled" in response.json()["confirmed_date"][0]
    assert written() == before


def test_staff_cancels_what_a_line_still_expects(api, po_line):
    staff_with(api, "change_purchaseorderline")
    response = api.post(url("cancel-line", po_line.pk), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert PurchaseOrderLine.objects.get().status == "cancelled"


def test_cancelling_a_closed_line_is_refused_and_nothing_changes(api, po_line):
    staff_with(api, "change_purchaseorderline")
    api.post(url("cancel-line", po_line.pk), format="json")
    before = written()
    response = api.post(url("cancel-line", po_line.pk), format="json")
    assert (
        response.status_code == 400 and "already closed" in response.json()["non_field_errors"][0]
    )
    assert written() == before


def test_cancelling_or_withdrawing_is_forbidden_without_the_change_permission(api, po_line):
    staff_with(api, "view_purchaseorder", "allocate_backorder_stock")
    before = written()
    assert api.post(url("cancel-line", po_line.pk), format="json").status_code == 403
    assert api.post(url("withdraw-confirmation", po_line.pk), format="json").status_code == 403
    assert written() == before


def test_cancelling_or_withdrawing_an_unknown_line_is_not_found(api, po_line):
    staff_with(api, "change_purchaseorderline")
    assert api.post(url("cancel-line", 99999), format="json").status_code == 404
    assert api.post(url("withdraw-confirmation", 99999), format="json").status_code == 404
