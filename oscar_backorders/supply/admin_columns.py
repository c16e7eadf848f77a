"""The purchase-order lines list's columns: dense enough for 1280 px, "Receive…" included.

Six cells (purchase order and supplier, product, units received of ordered, arrival date,
status, receive); the line's own page has every field. Dates are in the active language.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from oscar_backorders.formatting import ship_date


class PurchaseOrderLineColumns:
    """A ``ModelAdmin`` mixin for :class:`PurchaseOrderLine`'s list."""

    LIST_COLUMNS = ("order_and_supplier", "product", "units", "arrival", "status", "receive_link")

    @admin.display(description=_("purchase order / supplier"), ordering="purchase_order")
    def order_and_supplier(self, obj: Any) -> SafeString:
        order = obj.purchase_order
        return format_html(
            '{}<br><span class="backorder-sub">{}</span>', order.reference, order.supplier
        )

    @admin.display(description=_("product"), ordering="stockrecord__product__title")
    def product(self, obj: Any) -> SafeString:
        record = obj.stockrecord
        return format_html(
            '{}<br><span class="backorder-sub">{}</span>',
            record.product.get_title(),
            record.partner_sku,
        )

    @admin.display(description=_("units"), ordering="quantity")
    def units(self, obj: Any) -> str:
        return _("%(received)d of %(ordered)d received") % {
            "received": obj.quantity_received,
            "ordered": obj.quantity,
        }

    @admin.display(description=_("arrival"), ordering="expected_date")
    def arrival(self, obj: Any) -> SafeString:
        """The supplier's confirmed date when there is one, else the expected date."""
        if obj.confirmed_date:
            return format_html(
                '{}<br><span class="backorder-sub">{}</span>',
                ship_date(obj.confirmed_date),
                _("confirmed"),
            )
        return format_html(
            '{}<br><span class="backorder-sub">{}</span>',
            ship_date(obj.expected_date),
            _("expected"),
        )
