"""The customer's endpoints: an order's backordered part, cancel waiting units, answer a delay
notice, notification preferences.

The rules are the web pages' (:mod:`oscar_backorders.views`, :mod:`.notifications.views`):
registered customers reach only their own orders (anyone else's order or line is a 404, as in
Oscar); orders placed without an account are reached through Oscar's order-status hash plus the
email address of the order: the one the customer confirmed on Oscar's status form (kept in the
session), or ``email`` in the query string or the body. Every change calls the service the web
page calls.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from rest_framework import permissions, status
from rest_framework.response import Response

from oscar_backorders.api import serializers as s
from oscar_backorders.api.base import BackorderAPIView, Conflict
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.line_states import LineState
from oscar_backorders.locks import lock_backorder_lines
from oscar_backorders.notifications import answers, links, preferences
from oscar_backorders.notifications.abstract_models import DelayDecision
from oscar_backorders.payments import ledger
from oscar_backorders.services import cancel_units

try:
    from drf_spectacular.utils import OpenApiParameter, extend_schema
except ImportError:  # pragma: no cover

    def extend_schema(*args: Any, **kwargs: Any) -> Any:
        return lambda view: view

    OpenApiParameter = None  # type: ignore[assignment,misc]

Order = get_model("order", "Order")


def line_view(state: LineState, pending: dict[int, Any]) -> dict[str, Any]:
    """What :class:`~.serializers.OrderLineBackorderSerializer` shows of one order line."""
    fields = ("line", "quantity", "from_stock", "backordered", "waiting", "allocated")
    fields += ("shipped", "cancelled", "is_preorder", "promised_date", "estimated_date")
    fields += ("is_delayed", "can_cancel")
    view = {name: getattr(state, name) for name in fields}
    view["backorder"] = state.line.backorder if state.is_backordered else None
    view["pending_delay"] = pending.get(state.backorder_id)
    return view


def order_backorders(order: Any) -> dict[str, Any]:
    """The backordered part of ``order``, serialized: three queries, whatever its lines."""
    lines = list(order.lines.select_related("backorder").order_by("pk"))
    DelayConsent = get_model("oscar_backorders", "DelayConsent")
    pending = {
        consent.backorder_line_id: consent
        for consent in DelayConsent._default_manager.filter(
            backorder_line__order_id=order.pk, decision=DelayDecision.PENDING
        ).order_by("date_created", "pk")
    }
    totals = ledger.totals(order_id=order.pk)
    money = {
        "currency": order.currency,
        "authorised": totals.authorised,
        "charged": totals.charged,
        "captured": totals.captured,
        "released": totals.released,
        "refunded": totals.refunded,
        "held": totals.held,
    }
    data = {
        "number": order.number,
        "lines": [line_view(LineState.of(line), pending) for line in lines],
        "money": money,
    }
    return s.OrderBackordersSerializer(data).data


class GuestOrAccount(permissions.BasePermission):
    """Order-status URLs (with a hash) are open to guests; the others need an account."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return "hash" in view.kwargs or bool(request.user and request.user.is_authenticated)


class CustomerOrderView(BackorderAPIView):
    """Finds the order the customer may see: their own, or a guest's through its hash."""

    permission_classes = [GuestOrAccount]

    def get_order(self) -> Any:
        number = self.kwargs["order_number"]
        if "hash" not in self.kwargs:
            return get_object_or_404(Order, user=self.request.user, number=number)
        order = Order._default_manager.filter(user=None, number=number).first()
        email = self.request.session.get("anon_order_email") or self.given_email()
        if (
            order is None
            or not order.check_verification_hash(self.kwargs["hash"])
            or not email
            or order.email != email
        ):
            raise Http404(_("No order matches this link."))
        return order

    def given_email(self) -> str:
        data = self.request.data if hasattr(self.request.data, "get") else {}
        return self.request.query_params.get("email") or data.get("email") or ""

    def actor(self) -> Any | None:
        user = self.request.user
        return user if user and user.is_authenticated else None

    def backorders(self, order: Any) -> dict[str, Any]:
        return order_backorders(order)


GUEST_EMAIL = (
    [
        OpenApiParameter(
            "email",
            str,
            description="Guest orders: the order's email address (else the one confirmed on "
            "Oscar's order-status form, kept in the session).",
        )
    ]
    if OpenApiParameter
    else []
)


class OrderBackordersView(CustomerOrderView):
    """The backordered part of one order: per line, units from stock, waiting, ready, shipped
    and cancelled, its status, checkout promise and promise now; the money authorised, charged,
    released and refunded; the delay notices awaiting an answer."""

    @extend_schema(responses=s.OrderBackordersSerializer, parameters=GUEST_EMAIL)
    def get(self, request: Any, **kwargs: Any) -> Response:
        return Response(self.backorders(self.get_order()))


class CancelWaitingView(CustomerOrderView):
    """Cancel waiting units of one line, as the web page's cancel form does (same messages)."""

    @extend_schema(request=s.CancelWaitingSerializer, responses=s.OrderBackordersSerializer)
    def post(self, request: Any, **kwargs: Any) -> Response:
        order = self.get_order()
        line = get_object_or_404(order.lines.select_related("backorder"), pk=kwargs["line_id"])
        state = LineState.of(line)
        if not state.can_cancel:
            raise Conflict(
                _(
                    "Nothing of %(title)s is waiting for stock any more, so there is nothing "
                    "to cancel: it has shipped, is ready to ship or was cancelled."
                )
                % {"title": line.title}
            )
        serializer = s.CancelWaitingSerializer(data=request.data, context={"state": state})
        serializer.is_valid(raise_exception=True)
        quantity = serializer.validated_data["quantity"]
        try:
            with transaction.atomic():
                # Re-check under the row lock, as the web page does: stock may have been
                # allocated since the state was read, and ready units are not the customer's.
                locked = lock_backorder_lines([state.backorder_id])[state.backorder_id]
                if quantity > locked.quantity_waiting:
                    form = s.CancelWaitingForm(state=LineState.of(locked.line))
                    return Response(
                        {"quantity": [form.too_many_message()]},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
                cancel_units(
                    locked.pk,
                    quantity,
                    actor=self.actor(),
                    reason=_("Cancelled by the customer from the order page"),
                    by_customer=True,
                )
        except BackorderError as exc:
            return Response({"non_field_errors": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.backorders(order))


def _answer(call: Any) -> Response:
    """Run an answer to a delay notice; its refusals keep the web page's HTTP statuses."""
    try:
        consents = call()
    except answers.DelayLinkError as error:
        if isinstance(error, answers.ForeignOrder):
            raise Http404(error.message) from None
        return Response({"detail": error.message}, status=error.status)
    return Response(s.DelayAnsweredSerializer(consents, many=True).data)


class OrderDelayAnswerView(CustomerOrderView):
    """Answer the delay notices of one's order awaiting an answer: keep waiting, or cancel the
    waiting units (through the same flow as the email's links, so the same rules: deadline,
    already answered)."""

    @extend_schema(request=s.DelayAnswerSerializer, responses=s.DelayAnsweredSerializer(many=True))
    def post(self, request: Any, **kwargs: Any) -> Response:
        order = self.get_order()
        serializer = s.DelayAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        DelayConsent = get_model("oscar_backorders", "DelayConsent")
        pending = list(
            DelayConsent._default_manager.filter(
                backorder_line__order_id=order.pk, decision=DelayDecision.PENDING
            ).values_list("pk", flat=True)
        )
        if not pending:
            raise Conflict(_("Nothing on this order is waiting for your answer."))
        token = links.delay_token(order_id=order.pk, consent_ids=pending)
        return _answer(
            lambda: answers.answer_delay(
                order_number=order.number,
                token=token,
                action=serializer.validated_data["action"],
                user=request.user,
            )
        )


class DelayLinkAnswerView(BackorderAPIView):
    """Answer a delay notice with the token of its email's link (anyone holding the link, as on
    the web; a signed-in customer only for their own orders)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=s.DelayLinkAnswerSerializer, responses=s.DelayAnsweredSerializer(many=True)
    )
    def post(self, request: Any) -> Response:
        serializer = s.DelayLinkAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _answer(
            lambda: answers.answer_delay(
                order_number=data["order_number"],
                token=data["token"],
                action=data["action"],
                user=request.user,
            )
        )


class NotificationPreferencesView(CustomerOrderView):
    """The customer's notification preferences: follow-ups on or off, language of notices.

    Signed-in customers: their account's address. Guests: the address of the order they reach
    through its hash.
    """

    def email(self) -> str:
        if "hash" in self.kwargs:
            return self.get_order().email
        return self.request.user.email

    @extend_schema(responses=s.NotificationPreferenceSerializer, parameters=GUEST_EMAIL)
    def get(self, request: Any, **kwargs: Any) -> Response:
        preference = preferences.preference_for(self.email())
        return Response(s.NotificationPreferenceSerializer(preference).data)

    @extend_schema(
        request=s.NotificationPreferenceSerializer, responses=s.NotificationPreferenceSerializer
    )
    def patch(self, request: Any, **kwargs: Any) -> Response:
        email = self.email()
        serializer = s.NotificationPreferenceSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            preference = preferences.set_preferences(
                email, **serializer.validated_data, user=self.actor()
            )
        except preferences.PreferenceRefused as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.NotificationPreferenceSerializer(preference).data)
