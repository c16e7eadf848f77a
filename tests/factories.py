"""factory-boy factories for the plugin's models, on top of Oscar's own."""

from __future__ import annotations

from decimal import Decimal

import factory
from oscar.core.loading import get_model
from oscar.test.factories import (
    PartnerFactory,
    ProductClassFactory,
    ProductFactory,
    StockRecordFactory,
)

from oscar_backorders.abstract_models import PolicyMode


class BackorderPolicyFactory(factory.django.DjangoModelFactory):
    stockrecord = factory.SubFactory(StockRecordFactory)
    partner = None
    mode = PolicyMode.BACKORDER
    cap = None
    lead_time_days = 10
    release_date = None

    class Meta:
        model = get_model("oscar_backorders", "BackorderPolicy")


def stocked_product(
    *,
    num_in_stock: int = 0,
    mode: str | None = PolicyMode.BACKORDER,
    cap: int | None = None,
    lead_time_days: int | None = 10,
    release_date=None,
    price: Decimal = Decimal("10.00"),
    partner=None,
    track_stock: bool = True,
    order_cap: int | None = None,
    customer_cap: int | None = None,
):
    """A product with one stock record and (unless ``mode`` is None) a backorder policy."""
    product_class = ProductClassFactory(track_stock=track_stock, requires_shipping=True)
    product = ProductFactory(stockrecords=[], product_class=product_class)
    record = StockRecordFactory(
        product=product,
        partner=partner or PartnerFactory(),
        price=price,
        num_in_stock=num_in_stock,
        num_allocated=0,
    )
    if mode is not None:
        BackorderPolicyFactory(
            stockrecord=record,
            mode=mode,
            cap=cap,
            lead_time_days=lead_time_days,
            release_date=release_date,
            order_cap=order_cap,
            customer_cap=customer_cap,
        )
    product.refresh_from_db()
    return product
