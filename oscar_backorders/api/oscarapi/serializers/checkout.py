"""oscarapi's checkout, order and order lines with the backordered part and the money behind it.

oscarapi's ``CheckoutSerializer`` places the order through Oscar's ``OrderPlacementMixin`` and
``OrderCreator`` (so the plugin's placement splits each line and enforces the caps, as on the
web) but never takes payment: that is left to a view the shop writes (``payment_url``). The
:class:`CheckoutSerializer` here adds what the web checkout does besides placing:

- a refused cap (per stock record, per order, per customer) answers 400 with the web
  checkout's message, and nothing is written (oscarapi would answer 500);
- when the shop opted into the plugin's payments (``BACKORDERS_PAYMENT_GATEWAY``), the order
  total is authorised before placing, with the card's ``payment_token`` from the request body,
  and recorded once the order exists, exactly as the web checkout's ``AuthoriseAtCheckoutMixin``
  does (it is that mixin). Without a gateway the fields are not offered and nothing is charged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscarapi.serializers.checkout import CheckoutSerializer as OscarCheckoutSerializer
from oscarapi.serializers.checkout import OrderLineSerializer as OscarOrderLineSerializer
from oscarapi.serializers.checkout import OrderSerializer as OscarOrderSerializer
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings

from oscar_backorders.api.oscarapi.serializers.common import with_field
from oscar_backorders.api.serializers import OrderBackordersSerializer, OrderLineBackorderSerializer
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.line_states import LineState
from oscar_backorders.payments import next_action
from oscar_backorders.payments.checkout import AuthoriseAtCheckoutMixin

try:
    from drf_spectacular.utils import extend_schema_field
except ImportError:  # pragma: no cover

    def extend_schema_field(*args: Any, **kwargs: Any) -> Any:
        return lambda f: f


logger = logging.getLogger(__name__)


class OrderSerializer(OscarOrderSerializer):
    backorders = serializers.SerializerMethodField()

    class Meta(OscarOrderSerializer.Meta):
        fields = with_field(OscarOrderSerializer.Meta.fields, "backorders")

    @extend_schema_field(OrderBackordersSerializer)
    def get_backorders(self, order: Any) -> dict[str, Any]:
        from oscar_backorders.api.customer import order_backorders

        return order_backorders(order)


class OrderLineSerializer(OscarOrderLineSerializer):
    backorder = serializers.SerializerMethodField()

    class Meta(OscarOrderLineSerializer.Meta):
        fields = with_field(OscarOrderLineSerializer.Meta.fields, "backorder")

    @extend_schema_field(OrderLineBackorderSerializer)
    def get_backorder(self, line: Any) -> dict[str, Any]:
        from oscar_backorders.api.customer import line_view

        return OrderLineBackorderSerializer(line_view(LineState.of(line), {})).data


class PaymentActionRequired(exceptions.APIException):
    """402: the card issuer asks the customer to confirm (3-D Secure) before it authorises."""

    status_code = 402
    default_code = "payment_action_required"


class PaymentUnavailable(exceptions.APIException):
    """503: the payment provider failed or timed out; nothing was charged, nothing written."""

    status_code = 503
    default_code = "payment_unavailable"


def takes_payment() -> bool:
    """Whether the API checkout authorises the total: the shop opted into the plugin's payments."""
    return bool(backorder_settings.PAYMENT_GATEWAY)


class CheckoutSerializer(AuthoriseAtCheckoutMixin, OscarCheckoutSerializer):
    """oscarapi's checkout with the web checkout's refusals and, when opted in, its authorisation."""

    payment_token = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=255,
        help_text=(
            "The card to authorise the order total on: what the payment provider's client "
            "library returned (a Stripe PaymentMethod id). Only when the shop takes payment "
            "through the plugin."
        ),
    )
    payment_intent = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=255,
        help_text=(
            "After a 402 answer: the provider's payment the customer confirmed (its "
            "payment_action reference), in place of payment_token."
        ),
    )

    _bo_number: str | None = None
    _bo_token: str = ""
    _bo_intent: str = ""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if not takes_payment():  # oscarapi's own checkout: nothing about payment is offered
            fields.pop("payment_token", None)
            fields.pop("payment_intent", None)
        return fields

    def generate_order_number(self, basket: Any) -> str:
        # One number per request, as the web checkout: the authorisation is asked for the
        # number the order is then placed under (a shop's generator may count up).
        if self._bo_number is None:
            self._bo_number = str(super().generate_order_number(basket))
        return self._bo_number

    def get_payment_token(self, **kwargs: Any) -> str:
        return self._bo_token

    def get_confirmed_payment(self, **kwargs: Any) -> str:
        return self._bo_intent

    def create(self, validated_data: dict[str, Any]) -> Any:
        self._bo_token = validated_data.pop("payment_token", "") or ""
        self._bo_intent = validated_data.pop("payment_intent", "") or ""
        number = self.generate_order_number(validated_data["basket"])
        if takes_payment():
            if not (self._bo_token or self._bo_intent):
                raise serializers.ValidationError(
                    {"payment_token": [_("Enter the card to pay with.")]}, code="required"
                )
            self._authorise(number, validated_data["order_total"])
        try:
            # Oscar writes the addresses before the order's own transaction: one block, so a
            # refused line leaves nothing behind whatever the shop's ATOMIC_REQUESTS.
            with transaction.atomic():
                return super().create(validated_data)
        except UnableToPlaceOrder as exc:
            self._bo_release_unplaced(number)
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}, code="unable_to_place_order"
            ) from exc
        except Exception:
            self._bo_release_unplaced(number)
            raise

    def _authorise(self, number: str, total: Any) -> None:
        """The web checkout's ``handle_payment``, its refusals as API answers."""
        try:
            self.handle_payment(number, total)
        except UnableToTakePayment as exc:
            action = next_action.pending(self._bo_session(), number)
            if action is not None:
                raise PaymentActionRequired(
                    {
                        "payment_token": [str(exc)],
                        "payment_action": {
                            "reference": action["reference"],
                            "client_secret": action["client_secret"],
                        },
                    }
                ) from exc
            raise serializers.ValidationError(
                {"payment_token": [str(exc)]}, code="payment_refused"
            ) from exc
        except PaymentError as exc:
            logger.exception("Order #%s: the payment provider failed at the API checkout", number)
            raise PaymentUnavailable(
                _(
                    "A problem occurred while processing payment for this order - no payment "
                    "has been taken.  Please contact customer services if this problem persists"
                )
            ) from exc
