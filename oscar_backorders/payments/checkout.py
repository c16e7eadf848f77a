"""``PaymentDetailsView`` mixin: authorise the order total at checkout, debit nothing.

Wired by the plugin's class loader (``checkout.views.PaymentDetailsView``), or composed by shops
that forked the checkout app::

    class PaymentDetailsView(AuthoriseAtCheckoutMixin, views.PaymentDetailsView):
        pass

The payment token comes from the POSTed ``payment_token`` field (the sandbox's test payment
form; Stripe.js' form, ``oscar_backorders/payments/stripe_card.html`` (the Payment Element or
the Card Element), puts a PaymentMethod id there); override :meth:`get_payment_token` to take it from elsewhere. When the card issuer
asks for 3-D Secure, the preview is shown again with the issuer's step; the page then posts the
provider's payment back as ``payment_intent``, and it is recorded only once the gateway re-read
it as authorised (:mod:`.next_action`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments import next_action
from oscar_backorders.payments.authorise import (
    AUTHORISED_EVENT,
    build_source,
    check_amount,
    idempotency_key,
    record_authorisation,
)
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.exceptions import (
    ActionRequired,
    AuthorisationMismatch,
    GatewayError,
    GatewayTimeout,
    PaymentDeclined,
)
from oscar_backorders.payments.upfront import capture_in_stock
from oscar_backorders.payments.wording import before_checkout, checkout_plan

logger = logging.getLogger(__name__)

#: Test tokens the sandbox's payment form offers (the dummy gateway understands them). Lazy:
#: the labels are translated when a page shows them, in that request's language.
SANDBOX_TOKENS = (
    ("ok", gettext_lazy("Test card: authorised")),
    ("decline", gettext_lazy("Test card: declined")),
    ("timeout", gettext_lazy("Test card: provider times out")),
)


class AuthoriseAtCheckoutMixin:
    """Authorise ``order_total.incl_tax`` in ``handle_payment``; record it once the order exists."""

    _bo_authorisation: Any = None
    _bo_gateway_name: str = ""

    def get_payment_token(self, **kwargs: Any) -> str:
        request = getattr(self, "request", None)
        token = request.POST.get("payment_token", "") if request is not None else ""
        return token or "ok"

    def get_confirmed_payment(self, **kwargs: Any) -> str:
        """The provider's payment the page posts back after the customer's 3-D Secure step."""
        request = getattr(self, "request", None)
        return request.POST.get("payment_intent", "") if request is not None else ""

    def _bo_session(self) -> Any:
        request = getattr(self, "request", None)
        return getattr(request, "session", None)

    def _bo_order_number(self, basket: Any) -> str | None:
        if basket is None or getattr(basket, "pk", None) is None:
            return None
        return str(self.generate_order_number(basket))  # type: ignore[attr-defined]

    def render_payment_details(self, request: Any, **kwargs: Any) -> Any:
        # The card issuer asked for 3-D Secure: show the preview again, where the card form
        # runs the issuer's step and places the order once more.
        number = self._bo_order_number(getattr(request, "basket", None))
        if number and next_action.pending(self._bo_session(), number):
            return self.render_preview(request, **kwargs)  # type: ignore[attr-defined]
        return super().render_payment_details(request, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("backorders_payment_tokens", SANDBOX_TOKENS)
        basket, order_total = context.get("basket"), context.get("order_total")
        if backorder_settings.PAYMENT_GATEWAY and basket is not None and order_total is not None:
            # What placing the order will do with the card, in plain words (the preview's
            # "Payment" box; Oscar leaves a placeholder there).
            context.setdefault(
                "backorders_payment_words", before_checkout(checkout_plan(basket, order_total))
            )
            card_form = next_action.card_form_context(
                get_gateway(),
                self._bo_session(),
                self._bo_order_number(basket),
                with_action=self.request.method == "POST",  # type: ignore[attr-defined]
                amount=order_total.incl_tax,
                currency=order_total.currency,
            )
            if card_form:
                context.setdefault("backorders_card_form", card_form)
                context["backorders_payment_tokens"] = ()
        return context

    def handle_payment(self, order_number: str, total: Any, **kwargs: Any) -> None:
        gateway = get_gateway()
        session = self._bo_session()
        confirmed = self.get_confirmed_payment(**kwargs)
        try:
            if confirmed:
                answer = next_action.confirmed(
                    gateway,
                    session,
                    reference=confirmed,
                    order_number=order_number,
                    amount=total.incl_tax,
                    currency=total.currency,
                )
            else:
                token = self.get_payment_token(**kwargs)
                # One key per card: a double post replays, another card after a decline or a
                # failed 3-D Secure step is a new request (providers keep a decline per key).
                answer = gateway.authorise(
                    amount=total.incl_tax,
                    currency=total.currency,
                    order_number=order_number,
                    payment_token=token,
                    idempotency_key=idempotency_key(order_number, "authorise", token),
                )
        except ActionRequired as exc:
            if session is None:
                raise UnableToTakePayment(
                    _(
                        "Your card issuer asks you to confirm this payment, which this page cannot do."
                    )
                ) from exc
            next_action.remember(session, order_number, exc)
            raise UnableToTakePayment(
                _(
                    "Your card issuer asks you to confirm this payment. Follow its steps; the "
                    "order is placed once the payment is confirmed. Nothing has been charged."
                )
            ) from exc
        except AuthorisationMismatch as exc:
            next_action.forget(session)
            raise UnableToTakePayment(
                _(
                    "This payment confirmation is not for this order, so it was not used. "
                    "Nothing has been charged; please enter your card again."
                )
            ) from exc
        except PaymentDeclined as exc:
            next_action.forget(session)
            raise UnableToTakePayment(
                _("Your payment was declined (%(reason)s). Nothing has been charged.")
                % {"reason": exc}
            ) from exc
        except GatewayTimeout as exc:
            raise PaymentError(str(exc)) from exc
        except GatewayError as exc:
            raise PaymentError(str(exc)) from exc
        next_action.forget(session)
        self._bo_authorisation = answer
        self._bo_gateway_name = gateway.name
        self.add_payment_source(build_source(answer, gateway_name=gateway.name))  # type: ignore[attr-defined]
        self.add_payment_event(AUTHORISED_EVENT, answer.amount, reference=answer.reference)  # type: ignore[attr-defined]

    def handle_order_placement(self, order_number: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().handle_order_placement(order_number, *args, **kwargs)  # type: ignore[misc]
        except Exception:
            self._bo_release_unplaced(order_number)
            raise

    def _bo_release_unplaced(self, order_number: str) -> None:
        """The order could not be placed (e.g. a backorder cap was reached meanwhile): let the
        authorisation go rather than hold the customer's money until it lapses."""
        answer, self._bo_authorisation = self._bo_authorisation, None
        if answer is None:
            return
        PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
        if PaymentAuthorisation._default_manager.filter(
            gateway=self._bo_gateway_name, reference=answer.reference
        ).exists():
            # A second post of the same basket (a double click, a retry) got the authorisation
            # the first one placed its order with: the provider replayed it under the same
            # idempotency key. It is that order's money; releasing it would leave it unpaid.
            return
        try:
            get_gateway().release(
                answer.reference,
                amount=answer.amount,
                currency=answer.currency,
                idempotency_key=idempotency_key(order_number, "release-unplaced"),
                remainder=True,
            )
        except GatewayError:
            logger.exception(
                "Order #%s was not placed and its authorisation %s could not be released; "
                "it lapses on its own.",
                order_number,
                answer.reference,
            )

    def save_payment_details(self, order: Any) -> None:
        super().save_payment_details(order)  # type: ignore[misc]
        answer = self._bo_authorisation
        if answer is None:
            return
        source = next(
            (s for s in (self._payment_sources or []) if s.reference == answer.reference),  # type: ignore[attr-defined]
            None,
        )
        authorisation = record_authorisation(
            order,
            answer,
            gateway_name=self._bo_gateway_name,
            source=source,
            with_payment_event=False,
        )
        capture_in_stock(order, authorisation)


def authorise_order(order_id: int, *, payment_token: str) -> Any:
    """Authorise an already placed order's total (orders placed outside the checkout view).

    Refuses an order that already has an active authorisation. Raises the gateway's errors.
    """
    Order = get_model("order", "Order")
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    order = Order._default_manager.get(pk=order_id)
    if PaymentAuthorisation._default_manager.filter(order=order, status="active").exists():
        raise PaymentRefused(
            _("Order %(number)s is already authorised.") % {"number": order.number},
            order_id=order.pk,
        )
    gateway = get_gateway()
    amount = check_amount(order.total_incl_tax)
    answer = gateway.authorise(
        amount=amount,
        currency=order.currency,
        order_number=order.number,
        payment_token=payment_token,
        idempotency_key=idempotency_key(order.number, "authorise"),
    )
    authorisation = record_authorisation(order, answer, gateway_name=gateway.name)
    capture_in_stock(order, authorisation)
    return authorisation
