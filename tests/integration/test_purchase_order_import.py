import datetime as dt

import pytest
from oscar.core.loading import get_model

from oscar_backorders.supply.imports import PurchaseOrderImportRefused, import_purchase_orders
from tests.factories import stocked_product
from tests.supply_factories import PurchaseOrderFactory, SupplierFactory

pytestmark = pytest.mark.django_db

PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")

HEADER = "reference,supplier,sku,quantity,expected_date\n"


@pytest.fixture
def catalogue(today):
    SupplierFactory(code="acme")
    for sku in ("MUG-RED", "MUG-BLUE"):
        record = stocked_product().stockrecords.get()
        record.partner_sku = sku
        record.save()


def written():
    return PurchaseOrder.objects.count(), PurchaseOrderLine.objects.count()


def test_valid_file_creates_one_order_per_reference(catalogue):
    report = import_purchase_orders(
        HEADER
        + "PO-1,acme,MUG-RED,24,2026-12-10\n"
        + "PO-1,acme,MUG-BLUE,6,2026-12-11\n"
        + "PO-2,acme,MUG-RED,1,2026-11-24\n",
        dry_run=False,
    )
    assert report.is_valid and [o.reference for o in report.created] == ["PO-1", "PO-2"]
    assert written() == (2, 3)
    line = PurchaseOrderLine.objects.get(purchase_order__reference="PO-2")
    assert (line.quantity, line.expected_date, line.status) == (1, dt.date(2026, 11, 24), "open")


def test_dry_run_reports_every_row_and_writes_nothing(catalogue):
    report = import_purchase_orders(
        HEADER + "PO-1,acme,MUG-RED,24,2026-12-10\nPO-1,acme,NOPE,2,2026-12-10\n", dry_run=True
    )
    assert [(row.number, row.ok) for row in report.rows] == [(2, True), (3, False)]
    assert report.rows[1].errors == ["unknown SKU 'NOPE'"]
    assert not report.is_valid
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("PO-9,acme,NOPE,2,2026-12-10", "unknown SKU 'NOPE'"),
        ("PO-9,acme,MUG-RED,0,2026-12-10", "the quantity must be at least 1 (got 0)"),
        ("PO-9,acme,MUG-RED,-3,2026-12-10", "the quantity must be at least 1 (got -3)"),
        ("PO-9,acme,MUG-RED,2.5,2026-12-10", "the quantity '2.5' is not a whole number"),
        ("PO-9,acme,MUG-RED,2,2026-11-23", "the expected date 2026-11-23 is in the past"),
        ("PO-9,acme,MUG-RED,2,10/12/2026", "is not a date (YYYY-MM-DD)"),
        ("PO-9,acme,MUG-RED,2", "malformed row: 4 fields where the header has 5"),
        ("PO-9,ghost,MUG-RED,2,2026-12-10", "unknown or inactive supplier 'ghost'"),
        ("PO-OLD,acme,MUG-RED,2,2026-12-10", "purchase order PO-OLD already exists"),
    ],
)
def test_one_bad_row_refuses_the_whole_file_and_nothing_is_written(catalogue, row, message):
    PurchaseOrderFactory(reference="PO-OLD")
    before = written()
    with pytest.raises(PurchaseOrderImportRefused, match="nothing was imported") as excinfo:
        import_purchase_orders(
            HEADER + "PO-1,acme,MUG-BLUE,5,2026-12-10\n" + row + "\n", dry_run=False
        )
    assert message in str(excinfo.value)
    assert "line 3" in str(excinfo.value)
    assert written() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        (HEADER, "The file has no rows to import."),
        ("reference,sku,quantity\nPO-1,MUG-RED,2\n", "Missing column(s): supplier, expected_date"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_malformed_file_is_refused_with_a_clear_message(catalogue, content, message):
    with pytest.raises(PurchaseOrderImportRefused) as excinfo:
        import_purchase_orders(content, dry_run=False)
    assert message in str(excinfo.value)
    assert written() == (0, 0)


def test_import_of_bytes_with_a_byte_order_mark_works(catalogue):
    data = ("\ufeff" + HEADER + "PO-1,acme,MUG-RED,2,2026-12-10\n").encode()
    assert import_purchase_orders(data, dry_run=False).is_valid
    assert written() == (1, 1)


WITH_CONFIRMED = "reference,supplier,sku,quantity,expected_date,confirmed_date\n"


def test_a_file_with_confirmed_dates_imports_them_as_supplier_confirmations(catalogue, today):
    report = import_purchase_orders(
        WITH_CONFIRMED
        + "PO-1,acme,MUG-RED,24,2026-12-10,2026-12-08\n"
        + "PO-1,acme,MUG-BLUE,6,2026-12-11,\n",
        dry_run=False,
    )
    assert report.is_valid
    red, blue = PurchaseOrderLine.objects.order_by("stockrecord__partner_sku").reverse()
    assert (red.confirmed_date, red.first_confirmed_date) == (dt.date(2026, 12, 8),) * 2
    assert red.date_confirmed is not None
    assert red.first_expected_date == dt.date(2026, 12, 10)
    assert (blue.confirmed_date, blue.first_confirmed_date, blue.date_confirmed) == (None,) * 3


def test_a_file_without_the_confirmed_column_leaves_lines_unconfirmed(catalogue):
    import_purchase_orders(HEADER + "PO-1,acme,MUG-RED,24,2026-12-10\n", dry_run=False)
    line = PurchaseOrderLine.objects.get()
    assert (line.confirmed_date, line.first_expected_date) == (None, dt.date(2026, 12, 10))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("08/12/2026", "the confirmed date '08/12/2026' is not a date (YYYY-MM-DD)"),
        ("2026-11-23", "the confirmed date 2026-11-23 is in the past"),
    ],
)
def test_a_bad_confirmed_date_refuses_the_whole_file_and_nothing_is_written(
    catalogue, value, message
):
    with pytest.raises(PurchaseOrderImportRefused, match="nothing was imported") as excinfo:
        import_purchase_orders(
            WITH_CONFIRMED
            + "PO-1,acme,MUG-BLUE,5,2026-12-10,2026-12-09\n"
            + f"PO-1,acme,MUG-RED,2,2026-12-10,{value}\n",
            dry_run=False,
        )
    assert f"line 3: {message}" in str(excinfo.value)
    assert written() == (0, 0)
