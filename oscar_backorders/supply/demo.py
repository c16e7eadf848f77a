"""Sandbox demo supply: one supplier for the demo catalogue and one open purchase order."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

DEMO_SUPPLIER_CODE = "demo-supplier"
DEMO_PO_REFERENCE = "PO-DEMO-1"


@transaction.atomic
def load_supply_demo() -> list[str]:
    """Create (or keep) the demo supplier, its stock records and PO-DEMO-1; returns messages."""
    Supplier = get_model("oscar_backorders", "Supplier")
    SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
    PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    StockRecord = get_model("partner", "StockRecord")
    supplier, _ = Supplier._default_manager.get_or_create(
        code=DEMO_SUPPLIER_CODE, defaults={"name": "Demo supplier", "lead_time_days": 10}
    )
    records = {
        sr.product.upc: sr
        for sr in StockRecord._default_manager.select_related("product").filter(
            product__upc__in=["BO-BACKORDER", "BO-PARTIAL", "BO-CAPPED"]
        )
    }
    for record in records.values():
        SupplierStockRecord._default_manager.get_or_create(supplier=supplier, stockrecord=record)
    messages = [f"supplier {supplier.code} supplies {', '.join(sorted(records))}"]
    if (
        "BO-BACKORDER" in records
        and not PurchaseOrder._default_manager.filter(reference=DEMO_PO_REFERENCE).exists()
    ):
        order = PurchaseOrder._default_manager.create(
            supplier=supplier, reference=DEMO_PO_REFERENCE, notes="Sandbox demo"
        )
        PurchaseOrderLine._default_manager.create(
            purchase_order=order,
            stockrecord=records["BO-BACKORDER"],
            quantity=5,
            expected_date=timezone.localdate() + timedelta(days=7),
        )
        messages.append(f"{DEMO_PO_REFERENCE}: 5 × BO-BACKORDER expected in 7 days")
    return messages
