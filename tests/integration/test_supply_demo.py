import pytest
from django.core.management import call_command
from oscar.core.loading import get_model

pytestmark = pytest.mark.django_db


def test_supply_demo_loads_twice_without_duplicates(today, django_capture_on_commit_callbacks):
    call_command("load_backorder_demo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_supply_demo")
        call_command("load_supply_demo")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    line = PurchaseOrderLine.objects.get()
    assert (line.quantity, line.stockrecord.product.upc) == (5, "BO-BACKORDER")
    assert get_model("oscar_backorders", "SupplierStockRecord").objects.count() == 3
