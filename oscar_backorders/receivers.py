"""Receivers and the small Oscar-class mixins that keep Oscar's own features honest."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.db.models.signals import post_save
from oscar.core.loading import get_model

from oscar_backorders.policy import policy_saved

post_save.connect(
    policy_saved,
    sender=get_model("oscar_backorders", "BackorderPolicy"),
    dispatch_uid="oscar_backorders.policy_saved",
)


class InStockAlertsDispatcherMixin:
    """``AlertsDispatcher`` mixin: "back in stock" means on the shelf, not merely orderable.

    Oscar sends product alerts when a product is available to buy, which a backorderable product
    always is; without this every stock-record save would email "back in stock" falsely.

    Oscar calls this on every stock-record save (placing an order saves one per line), and its
    own method begins by reading ``product.stockrecords``: the check reads them once, as a
    prefetch Oscar's method then uses, so it costs no query of its own.
    """

    def send_product_alert_email_for_user(self, product: Any) -> None:
        cache = getattr(product, "_prefetched_objects_cache", {})
        ours = "stockrecords" not in cache
        prefetch_related_objects([product], "stockrecords")
        try:
            if not any(sr.net_stock_level > 0 for sr in product.stockrecords.all()):
                return
            super().send_product_alert_email_for_user(product)  # type: ignore[misc]
        finally:
            if ours:
                # The rows are this call's: the caller's product must not keep a stale copy.
                product._prefetched_objects_cache.pop("stockrecords", None)
