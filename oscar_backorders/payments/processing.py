"""``EventHandler`` mixin: a "Shipped" event recorded in Oscar's dashboard goes through :func:`ship`.

Wired by the plugin's class loader (``order.processing.EventHandler``); shops that forked
``order`` compose it::

    class EventHandler(ShipWithPaymentEventHandlerMixin, processing.EventHandler):
        pass

Only the event type whose code is ``shipped`` (named "Shipped" unless the shop renamed it;
created on the first shipment where a fresh Oscar has none) is routed: for orders the plugin
authorised through :func:`ship`; for orders the shop takes payment for its own way through
Oscar's own handling, with the backordered units recorded as shipped
(:mod:`oscar_backorders.shipments`). Everything else is Oscar's own handling. A refused shipment becomes ``InvalidShippingEvent`` and a failed
capture ``PaymentError`` (the dashboard shows both; a failed capture leaves the shipment held).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
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
        if internal or event_type.code != SHIPPED_EVENT_CODE:
            return super().handle_shipping_event(  # type: ignore[misc]
                order, event_type, lines, line_quantities, **kwargs
            )
        if not order.backorder_authorisations.exists():
            return self._ship_paid_elsewhere(order, event_type, lines, line_quantities, **kwargs)
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

    def _ship_paid_elsewhere(
        self, order: Any, event_type: Any, lines: Any, line_quantities: Any, **kwargs: Any
    ) -> Any:
        """An order the shop takes payment for its own way: Oscar's shipping event as always,
        and its backordered units recorded as shipped (refused while they wait for stock)."""
        from oscar_backorders.services import BackorderStateError, record_shipment
        from oscar_backorders.shipments import plan_backordered_shipment

        reason = kwargs.get("reference") or ""
        try:
            with transaction.atomic():
                plan = plan_backordered_shipment(event_type, lines, line_quantities)
                event = super().handle_shipping_event(  # type: ignore[misc]
                    order, event_type, lines, line_quantities, **kwargs
                )
                for backorder_line_id, quantity in sorted(plan.items()):
                    record_shipment(backorder_line_id, quantity, actor=self.user, reason=reason)
        except BackorderStateError as exc:
            raise InvalidShippingEvent(str(exc)) from exc
        return event
