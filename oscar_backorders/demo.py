"""The demo catalogue of the sandbox (used by ``manage.py load_backorder_demo``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import PolicyMode


@dataclass(frozen=True)
class DemoProduct:
    upc: str
    title: str
    price: Decimal
    num_in_stock: int
    mode: str
    cap: int | None = None
    lead_time_days: int | None = None
    release_in_days: int | None = None
    description: str = ""


DEMO_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        "BO-INSTOCK",
        "Field notebook",
        Decimal("12.00"),
        50,
        PolicyMode.OFF,
        description="In stock: ships today, as in plain Oscar.",
    ),
    DemoProduct(
        "BO-BACKORDER",
        "Ceramic pour-over",
        Decimal("34.00"),
        0,
        PolicyMode.BACKORDER,
        lead_time_days=10,
        description="Out of stock, sold on backorder.",
    ),
    DemoProduct(
        "BO-PARTIAL",
        "Linen apron",
        Decimal("28.00"),
        3,
        PolicyMode.BACKORDER,
        lead_time_days=7,
        description="Three on the shelf; further units are backordered.",
    ),
    DemoProduct(
        "BO-CAPPED",
        "Limited print",
        Decimal("80.00"),
        0,
        PolicyMode.BACKORDER,
        cap=5,
        lead_time_days=15,
        description="Backorderable, but at most five units may wait at once.",
    ),
    DemoProduct(
        "BO-UNAVAILABLE",
        "Brass kettle",
        Decimal("65.00"),
        0,
        PolicyMode.OFF,
        description="Out of stock and not backorderable.",
    ),
    DemoProduct(
        "BO-PREORDER",
        "Winter catalogue",
        Decimal("18.00"),
        0,
        PolicyMode.PREORDER,
        release_in_days=30,
        description="A pre-order: ships on its release date.",
    ),
)

PARTNER_NAME = "Backorder Sandbox Ltd"


@transaction.atomic
def load_demo(*, today: date | None = None) -> list[str]:
    """Create or update the demo catalogue; return the UPCs. Safe to run again."""
    today = today or timezone.localdate()
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    Category = get_model("catalogue", "Category")
    ProductCategory = get_model("catalogue", "ProductCategory")
    Country = get_model("address", "Country")
    BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")

    Country._default_manager.update_or_create(
        iso_3166_1_a2="GB",
        defaults={
            "iso_3166_1_a3": "GBR",
            "iso_3166_1_numeric": "826",
            "printable_name": "United Kingdom",
            "name": "United Kingdom of Great Britain",
            "is_shipping_country": True,
        },
    )
    partner, _ = Partner._default_manager.get_or_create(name=PARTNER_NAME)
    product_class, _ = ProductClass._default_manager.get_or_create(
        name="Goods", defaults={"requires_shipping": True, "track_stock": True}
    )
    category = Category._default_manager.filter(name="Backorder demo").first()
    if category is None:
        category = Category.add_root(name="Backorder demo")
    for demo in DEMO_PRODUCTS:
        product, _ = Product._default_manager.update_or_create(
            upc=demo.upc,
            defaults={
                "title": demo.title,
                "product_class": product_class,
                "description": demo.description,
                "is_public": True,
                "structure": Product.STANDALONE,
            },
        )
        ProductCategory._default_manager.get_or_create(product=product, category=category)
        # Stock levels are set once: a rerun must not undo what orders have allocated.
        record, _ = StockRecord._default_manager.get_or_create(
            product=product,
            partner=partner,
            defaults={
                "partner_sku": demo.upc,
                "price": demo.price,
                "price_currency": "GBP",
                "num_in_stock": demo.num_in_stock,
                "num_allocated": 0,
            },
        )
        release = today + timedelta(days=demo.release_in_days) if demo.release_in_days else None
        BackorderPolicy._default_manager.update_or_create(
            stockrecord=record,
            defaults={
                "mode": demo.mode,
                "cap": demo.cap,
                "lead_time_days": demo.lead_time_days,
                "release_date": release,
            },
        )
    return [d.upc for d in DEMO_PRODUCTS]
