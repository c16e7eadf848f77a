"""Receivers and the small Oscar-class mixins that keep Oscar's own features honest."""

from __future__ import annotations

from typing import Any


class InStockAlertsDispatcherMixin:
    """``AlertsDispatcher`` mixin: "back in stock" means on the shelf, not merely orderable.

    Oscar sends product alerts when a product is available to buy, which a backorderable product
    always is; without this every stock-record save would email "back in stock" falsely.
    """

    def send_product_alert_email_for_user(self, product: Any) -> None:
        if not any(sr.net_stock_level > 0 for sr in product.stockrecords.all()):
            return
        super().send_product_alert_email_for_user(product)  # type: ignore[misc]
