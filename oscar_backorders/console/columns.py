"""The queue's columns: what a merchant needs to triage a line, dense enough for 1280 px.

Seven cells per row (order and customer, product, units, status, promise with its risk, priority,
payment); everything else (backordered quantity, the checkout promise, the likely date, days
waiting, the line price) is on the line's own page, as read-only fields of the same mixin.
Every date is written in the active language's format, every amount with Oscar's ``currency``
filter.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from oscar.templatetags.currency_filters import currency

from oscar_backorders.console.payment_column import payment_state
from oscar_backorders.console.risk import at_risk_above, percentage
from oscar_backorders.formatting import ship_date


def _email_of(order: Any) -> str:
    return order.user.email if order.user_id else order.guest_email


class QueueColumns:
    """A ``ModelAdmin`` mixin: the queue's compact cells and the line page's read-only fields."""

    #: The queue's columns, in order.
    QUEUE_COLUMNS = (
        "order_and_customer",
        "product",
        "units",
        "status",
        "promise",
        "priority",
        "payment_state_display",
    )

    @admin.display(description=_("order / customer"), ordering="order__number")
    def order_and_customer(self, obj: Any) -> SafeString:
        return format_html(
            '{}<br><span class="backorder-sub">{}</span>',
            obj.order.number,
            _email_of(obj.order),
        )

    @admin.display(description=_("product"), ordering="line__title")
    def product(self, obj: Any) -> SafeString:
        sku = " / ".join(filter(None, [obj.line.partner_sku, obj.line.upc]))
        return format_html('{}<br><span class="backorder-sub">{}</span>', obj.line.title, sku)

    @admin.display(description=_("units"))
    def units(self, obj: Any) -> SafeString:
        return format_html(
            "{}<br>{}",
            _("%(count)d waiting") % {"count": obj.quantity_waiting},
            _("%(count)d ready") % {"count": obj.quantity_allocated},
        )

    @admin.display(description=_("promised"), ordering="estimated_date", empty_value="—")
    def promise(self, obj: Any) -> SafeString | None:
        """The date promised now, with the chance of missing it as a badge (red when at risk)."""
        if obj.estimated_date is None:
            return None
        risk = percentage(obj.miss_risk)
        if risk is None:
            return format_html("{}", ship_date(obj.estimated_date))
        at_risk = obj.miss_risk > at_risk_above()
        return format_html(
            '{}<br><span class="backorder-risk{}" title="{}">{}</span>',
            ship_date(obj.estimated_date),
            " backorder-risk-high" if at_risk else "",
            _("chance of missing"),
            risk,
        )

    @admin.display(description=_("payment"))
    def payment_state_display(self, obj: Any) -> str:
        return payment_state(obj)

    # Read-only fields of the line's page (not columns of the queue).

    @admin.display(description=_("customer"))
    def customer_email(self, obj: Any) -> str:
        return _email_of(obj.order)

    @admin.display(description=_("waiting"))
    def quantity_waiting_display(self, obj: Any) -> int:
        return obj.quantity_waiting

    @admin.display(description=_("days waiting"))
    def days_waiting(self, obj: Any) -> int:
        return (timezone.localdate() - timezone.localtime(obj.date_created).date()).days

    @admin.display(description=_("line price (incl. tax)"))
    def line_price(self, obj: Any) -> str:
        return currency(obj.line.line_price_incl_tax, obj.order.currency)
