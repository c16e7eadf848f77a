"""The merchant's supply screens: purchase orders, receiving, CSV import, allocation preview."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.factories import stocked_product
from tests.helpers import basket_with, place, staff_with, token_in
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def waiting(strategy, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    first = place(basket_with(strategy, (product, 2)), number="A").lines.get().backorder
    second = place(basket_with(strategy, (product, 2)), number="B").lines.get().backorder
    return product.stockrecords.get(), first, second


def test_merchant_creates_a_purchase_order_and_the_likely_dates_follow(
    merchant, waiting, django_capture_on_commit_callbacks
):
    record, first, second = waiting
    supplier = SupplierFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(
            reverse("admin:oscar_backorders_purchaseorder_add"),
            {
                "supplier": supplier.pk,
                "reference": "PO-77",
                "status": "open",
                "notes": "",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-MIN_NUM_FORMS": "0",
                "lines-MAX_NUM_FORMS": "1000",
                "lines-0-stockrecord": record.pk,
                "lines-0-quantity": "3",
                "lines-0-expected_date": "2026-12-02",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.likely_date, second.likely_date) == (
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 8),  # 3 units cover A (2) but not all of B: lead time
    )
    # Both promises (the lead time, 8 Dec) still hold: kept, and nobody is told.
    assert (first.estimated_date, second.estimated_date) == (dt.date(2026, 12, 8),) * 2
    assert not first.events.filter(kind="estimate_changed").exists()


def test_merchant_receives_part_of_a_line_and_sees_what_happened(merchant, waiting):
    record, first, second = waiting
    po_line = inbound(record, 5, dt.date(2026, 12, 2))
    url = reverse("admin:oscar_backorders_purchaseorderline_receive", args=[po_line.pk])
    page = merchant.get(url)
    assert "5 units still expected" in page.content.decode()
    response = merchant.post(url, {"quantity": "3", **token_in(page)}, follow=True)
    assert "Received 3" in response.content.decode()
    assert "3 unit(s) allocated to 2 waiting line(s)" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "allocated"


def test_receiving_too_many_in_the_admin_shows_the_reason_and_changes_nothing(merchant, waiting):
    record, first, _second = waiting
    po_line = inbound(record, 2, dt.date(2026, 12, 2))
    url = reverse("admin:oscar_backorders_purchaseorderline_receive", args=[po_line.pk])
    response = merchant.post(url, {"quantity": "3", **token_in(merchant.get(url))})
    assert response.status_code == 200
    assert "more than was ordered" in response.content.decode()
    po_line.refresh_from_db()
    record.refresh_from_db()
    assert (po_line.quantity_received, record.num_in_stock) == (0, 0)


def test_csv_import_dry_run_shows_each_row_then_imports(merchant, waiting):
    record, *_ = waiting
    record.partner_sku = "KETTLE"
    record.save()
    SupplierFactory(code="acme")
    content = b"reference,supplier,sku,quantity,expected_date\nPO-5,acme,KETTLE,4,2026-12-04\n"
    url = reverse("admin:oscar_backorders_purchaseorder_import")
    page = merchant.post(
        url, {"file": SimpleUploadedFile("po.csv", content), "dry_run": "on"}
    ).content.decode()
    assert "Every row is valid" in page
    assert PurchaseOrder.objects.count() == 0
    response = merchant.post(
        url, {"file": SimpleUploadedFile("po.csv", content), **token_in(merchant.get(url))}
    )
    assert response.status_code == 302
    assert PurchaseOrderLine.objects.get().quantity == 4


def test_csv_import_with_a_bad_row_is_refused_in_the_admin(merchant, waiting):
    SupplierFactory(code="acme")
    content = b"reference,supplier,sku,quantity,expected_date\nPO-5,acme,NOPE,4,2026-12-04\n"
    url = reverse("admin:oscar_backorders_purchaseorder_import")
    page = merchant.post(
        url, {"file": SimpleUploadedFile("po.csv", content), **token_in(merchant.get(url))}
    ).content.decode()
    assert "unknown SKU" in page and "nothing was imported" in page
    assert PurchaseOrder.objects.count() == 0


def test_csv_import_page_says_supplier_is_the_code_and_sku_the_stock_records_sku(merchant):
    page = merchant.get(reverse("admin:oscar_backorders_purchaseorder_import")).content.decode()
    assert "The supplier’s code" in page
    assert "The stock record’s SKU" in page
    assert reverse("admin:oscar_backorders_purchaseorder_import_sample") in page


def test_csv_import_sample_downloads_with_every_column_and_two_example_rows(merchant, today):
    response = merchant.get(reverse("admin:oscar_backorders_purchaseorder_import_sample"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = response.content.decode().splitlines()
    assert header == "reference,supplier,sku,quantity,expected_date,confirmed_date"
    assert len(rows) == 2
    assert all(row.split(",")[4] > today.isoformat() for row in rows)


def test_csv_import_sample_imports_once_its_supplier_and_skus_exist(merchant, today):
    SupplierFactory(code="acme")
    for sku in ("MUG-RED", "MUG-BLUE"):
        record = stocked_product(num_in_stock=0).stockrecords.get()
        type(record).objects.filter(pk=record.pk).update(partner_sku=sku)
    sample = merchant.get(reverse("admin:oscar_backorders_purchaseorder_import_sample")).content
    url = reverse("admin:oscar_backorders_purchaseorder_import")
    response = merchant.post(
        url, {"file": SimpleUploadedFile("sample.csv", sample), **token_in(merchant.get(url))}
    )
    assert response.status_code == 302
    assert PurchaseOrderLine.objects.count() == 2


def test_csv_import_sample_is_refused_to_staff_who_may_not_import(client):
    staff_with(client, "view_purchaseorder")
    response = client.get(reverse("admin:oscar_backorders_purchaseorder_import_sample"))
    assert response.status_code == 403


def test_allocation_preview_shows_the_plan_and_running_it_allocates(merchant, waiting):
    record, first, second = waiting
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    url = reverse("admin:oscar_backorders_purchaseorder_allocation", args=[record.pk])
    shown = merchant.get(url)
    page = shown.content.decode()
    assert "free for waiting lines now: 3" in page and "Allocate 3 unit(s) now" in page
    first.refresh_from_db()
    assert first.quantity_allocated == 0  # a preview writes nothing
    merchant.post(url, token_in(shown))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity_allocated, second.quantity_allocated) == (2, 1)


def test_reorder_points_page_lists_records_at_or_below_their_point(merchant, waiting):
    record, *_ = waiting
    page = merchant.get(reverse("admin:oscar_backorders_purchaseorder_reorder")).content.decode()
    assert record.partner_sku in page
    assert "Nothing to reorder" not in page


def test_receive_everything_action_receives_each_open_line(merchant, waiting):
    record, first, second = waiting
    lines = [inbound(record, 1, dt.date(2026, 12, 2)), inbound(record, 2, dt.date(2026, 12, 3))]
    response = merchant.post(
        reverse("admin:oscar_backorders_purchaseorderline_changelist"),
        {"action": "receive_outstanding", "_selected_action": [line.pk for line in lines]},
        follow=True,
    )
    assert response.content.decode().count("Received ") == 2
    record.refresh_from_db()
    assert record.num_in_stock == 3
    first.refresh_from_db()
    assert first.status == "allocated"


def test_allocation_page_needs_the_allocate_permission_not_change(client, waiting):
    record, first, second = waiting
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    url = reverse("admin:oscar_backorders_purchaseorder_allocation", args=[record.pk])
    clerk = staff_with(client, "change_backorderline", "view_purchaseorder")
    assert clerk.get(url).status_code == 403
    assert clerk.post(url).status_code == 403
    first.refresh_from_db()
    assert first.quantity_allocated == 0  # refused: nothing allocated


def test_warehouse_staff_with_the_allocate_permission_run_the_allocation(client, waiting):
    record, first, second = waiting
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    url = reverse("admin:oscar_backorders_purchaseorder_allocation", args=[record.pk])
    warehouse = staff_with(client, "allocate_backorder_stock", "view_purchaseorder")
    shown = warehouse.get(url)
    assert shown.status_code == 200
    warehouse.post(url, token_in(shown))
    first.refresh_from_db()
    assert first.quantity_allocated == 2
