"""A member of staff reads suppliers over the REST API with the admin's ``view_supplier``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from tests.factories import stocked_product
from tests.functional.api.helpers import staff_with, url
from tests.supply_factories import SupplierFactory

pytestmark = pytest.mark.django_db

SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")


def supplying(supplier, **costs):
    record = stocked_product(num_in_stock=0).stockrecords.get()
    SupplierStockRecord.objects.create(supplier=supplier, stockrecord=record, **costs)
    return record


@pytest.fixture
def supplier(today):
    return SupplierFactory(code="acme", name="Acme", lead_time_days=12)


def test_staff_reads_a_supplier_with_the_stock_records_it_supplies(api, supplier):
    record = supplying(supplier, lead_time_days=4, order_cost=Decimal("25.00"), is_preferred=True)
    staff_with(api, "view_supplier")
    data = api.get(url("supplier", supplier.pk)).json()
    assert (data["code"], data["lead_time_days"], data["lateness_profile"]) == ("acme", 12, {})
    (supplied,) = data["stockrecords"]
    assert supplied["stockrecord"] == record.pk and supplied["partner_sku"] == record.partner_sku
    assert (supplied["lead_time_days"], supplied["order_cost"]) == (4, "25.00")


def test_staff_lists_suppliers_by_name_and_filters_the_inactive(api, supplier):
    SupplierFactory(name="Zeta", is_active=False)
    staff_with(api, "view_supplier")
    data = api.get(url("suppliers")).json()
    assert [s["name"] for s in data["results"]] == ["Acme", "Zeta"]
    active = api.get(url("suppliers"), {"is_active": "true"}).json()["results"]
    assert [s["name"] for s in active] == ["Acme"]
    response = api.get(url("suppliers"), {"is_active": "perhaps"})
    assert response.status_code == 400 and response.json()["is_active"]


def test_supplier_list_costs_the_same_queries_whatever_its_length(api, supplier):
    supplying(supplier)
    staff_with(api, "view_supplier")
    api.get(url("suppliers"))
    with CaptureQueriesContext(connection) as one:
        assert api.get(url("suppliers")).json()["count"] == 1
    for _ in range(4):
        supplying(SupplierFactory())
    supplying(supplier)
    with CaptureQueriesContext(connection) as five:
        assert api.get(url("suppliers")).json()["count"] == 5
    assert len(one) == len(five)


def test_suppliers_are_forbidden_without_the_view_permission(api, supplier):
    staff_with(api, "view_purchaseorder", "change_supplier")
    assert api.get(url("suppliers")).status_code == 403
    assert api.get(url("supplier", supplier.pk)).status_code == 403


def test_an_unknown_supplier_is_not_found(api, supplier):
    staff_with(api, "view_supplier")
    assert api.get(url("supplier", 99999)).status_code == 404


def test_suppliers_are_read_only(api, supplier):
    staff_with(api, "view_supplier", "add_supplier", "change_supplier", "delete_supplier")
    assert api.post(url("suppliers"), {"name": "New"}, format="json").status_code == 405
    assert api.delete(url("supplier", supplier.pk)).status_code == 405
    supplier.refresh_from_db()
