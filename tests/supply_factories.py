"""Factories for the supply models (suppliers, purchase orders and their lines)."""

from __future__ import annotations

import datetime as dt

import factory
from oscar.core.loading import get_model


class SupplierFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Supplier {n}")
    code = factory.Sequence(lambda n: f"supplier-{n}")
    lead_time_days = 10

    class Meta:
        model = get_model("oscar_backorders", "Supplier")


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    supplier = factory.SubFactory(SupplierFactory)
    reference = factory.Sequence(lambda n: f"PO-{1000 + n}")

    class Meta:
        model = get_model("oscar_backorders", "PurchaseOrder")


def inbound(stockrecord, quantity: int, expected: dt.date, *, supplier=None, order=None):
    """One open purchase-order line (and its order, unless given)."""
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    if order is None:
        order = PurchaseOrderFactory(**({"supplier": supplier} if supplier else {}))
    return PurchaseOrderLine.objects.create(
        purchase_order=order, stockrecord=stockrecord, quantity=quantity, expected_date=expected
    )
