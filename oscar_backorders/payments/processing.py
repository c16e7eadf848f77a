"""``EventHandler`` mixin: a "Shipped" event recorded in Oscar's dashboard goes through :func:`ship`.

Wired by the plugin's class loader (``order.processing.EventHandler``); shops that forked
``order`` compose it::

    class EventHandler(ShipWithPaymentEventHandlerMixin, processing.EventHandler):
        pass

Only orders the plugin authorised, and only the event type whose code is ``shipped`` (named
"Shipped" unless the shop renamed it; created on the first shipment where a fresh Oscar has
none), are routed; everything
else is Oscar's own handling. A refused shipment becomes ``InvalidShippingEvent`` and a failed
capture ``PaymentError`` (the dashboard shows both; a failed capture leaves the shipment held).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import InvalidShippingEvent
from oscar.apps.payment.exceptions import PaymentError
from oscar.core.loading import get_model

from oscar_backorders.payments.authorise import SHIPPED_EVENT_CODE
from oscar_backorders.payments.exceptions import PaymentRefused

#: Keyword the capture step passes to mark its own call (it must reach Oscar's handling).
INTERNAL = "backorders_capture"


class ShipWithPaymentEventHandlerMixin:
    user: Any

    def handle_shipping_event(
        self, order: Any, event_type: Any, lines: Any, line_quantities: Any, **kwargs: Any
    ) -> Any:
        internal = kwargs.pop(INTERNAL, False)
        if (
            internal
            or event_type.code != SHIPPED_EVENT_CODE
            or not order.backorder_authorisations.exists()
        ):
            return super().handle_shipping_event(  # type: ignore[misc]
                order, event_type, lines, line_quantities, **kwargs
            )
        from oscar_backorders.payments.shipping import ship

        quantities: dict[int, int] = {}
        for line, quantity in zip(lines, line_quantities, strict=True):
            quantities[line.pk] = quantities.get(line.pk, 0) + int(quantity)
        try:
            result = ship(
                order.pk, quantities, actor=self.user, reason=kwargs.get("reference") or ""
            )
        except PaymentRefused as exc:
            raise InvalidShippingEvent(str(exc)) from exc
        if not result.shipped:
            raise PaymentError(
                _("The payment capture failed, so the shipment is held: %(error)s")
                % {"error": result.error}
            )
        ShippingEvent = get_model("order", "ShippingEvent")
        return ShippingEvent._default_manager.get(pk=result.shipping_event_id)
