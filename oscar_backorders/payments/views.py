"""The customer's confirm-payment page, and the endpoint of Stripe's webhooks.

The confirm-payment page: a fresh authorisation when the old one could not be renewed.

Reached through the signed link of :func:`~oscar_backorders.payments.confirmation.confirmation_url`
(sent with ``authorisation_expiring``). The view only checks the link and calls
:func:`~oscar_backorders.payments.confirmation.confirm_payment`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView
from oscar.core.loading import get_model

from oscar_backorders.payments import next_action
from oscar_backorders.payments.abstract_models import AuthorisationStatus
from oscar_backorders.payments.checkout import SANDBOX_TOKENS
from oscar_backorders.payments.confirmation import CONFIRM_SALT, confirm_payment
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways import get_gateway
from oscar_backorders.payments.gateways.exceptions import (
    ActionRequired,
    AuthorisationMismatch,
    GatewayError,
    PaymentDeclined,
)
from oscar_backorders.payments.lifecycle import current_authorisation, still_owed
from oscar_backorders.payments.money import order_money

#: How long a confirm-payment link stays valid (seconds).
LINK_MAX_AGE = 60 * 60 * 24 * 30


class ConfirmPaymentForm(forms.Form):
    payment_token = forms.CharField(label=gettext_lazy("Payment"), max_length=255, required=False)
    #: The provider's payment posted back after the customer's 3-D Secure step.
    payment_intent = forms.CharField(max_length=255, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, card_form: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if get_gateway().name == "dummy":
            self.fields["payment_token"].widget = forms.Select(choices=SANDBOX_TOKENS)
            self.fields["payment_token"].label = _("Sandbox payment (no real card is charged)")
        if card_form:  # Stripe.js' card form (stripe_card.html) fills both fields
            del self.fields["payment_token"], self.fields["payment_intent"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        token = self.data.get("payment_token", "")
        intent = self.data.get("payment_intent", "")
        if not (token or intent):
            raise forms.ValidationError(_("Enter your card to confirm the payment."))
        return {**data, "payment_token": token, "payment_intent": intent}


class ConfirmPaymentView(FormView):
    template_name = "oscar_backorders/payments/confirm.html"
    form_class = ConfirmPaymentForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        Order = get_model("order", "Order")
        try:
            data = signing.loads(kwargs["token"], salt=CONFIRM_SALT, max_age=LINK_MAX_AGE)
        except signing.BadSignature:
            raise Http404(_("This payment link is not valid or has expired.")) from None
        order = Order._default_manager.filter(pk=data.get("order"), number=kwargs["number"]).first()
        if order is None:
            raise Http404(_("This payment link is not for this order."))
        user = request.user
        if order.user_id and user.is_authenticated and user.pk != order.user_id:
            raise PermissionDenied(_("This order belongs to another customer."))
        self.order = order
        return super().dispatch(request, *args, **kwargs)

    def card_form(self) -> dict[str, Any]:
        # Not kept between calls: a post that needs 3-D Secure adds the issuer's step.
        gateway = get_gateway()
        browser_form = getattr(gateway.capabilities, "client_confirmation", False)
        latest = current_authorisation(self.order) if browser_form else None
        owed = still_owed(self.order, latest) if latest is not None else None
        return next_action.card_form_context(
            gateway,
            self.request.session,
            self.order.number,
            with_action=self.request.method == "POST",
            # What confirming authorises (confirmation.confirm_payment): the Payment Element
            # is created for that amount.
            amount=owed if owed is not None and owed > 0 else None,
            currency=latest.currency if latest is not None else "",
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "card_form": bool(self.card_form())}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["backorders_card_form"] = self.card_form()
        latest = self.order.backorder_authorisations.order_by("-pk").first()
        context["order"] = self.order
        context["authorisation"] = latest
        context["needs_confirmation"] = latest is not None and latest.status in (
            AuthorisationStatus.NEEDS_CUSTOMER,
            AuthorisationStatus.EXPIRED,
        )
        context["money"] = order_money(self.order) if context["needs_confirmation"] else None
        return context

    def form_valid(self, form: ConfirmPaymentForm) -> HttpResponse:
        session, reference = self.request.session, form.cleaned_data["payment_intent"]

        def confirmed(order_number: str, amount: Any, currency: str) -> Any:
            return next_action.confirmed(
                get_gateway(),
                session,
                reference=reference,
                order_number=order_number,
                amount=amount,
                currency=currency,
            )

        try:
            confirm_payment(
                self.order.pk,
                payment_token=form.cleaned_data["payment_token"],
                confirmed=confirmed if reference else None,
            )
        except PaymentRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ActionRequired as exc:
            # The page shows the issuer's step (stripe_card.html) and posts the payment back.
            next_action.remember(session, self.order.number, exc)
            return self.form_invalid(form)
        except AuthorisationMismatch:
            next_action.forget(session)
            form.add_error(
                None,
                _(
                    "This payment confirmation is not for this order, so it was not used. "
                    "Nothing has been charged; please enter your card again."
                ),
            )
            return self.form_invalid(form)
        except PaymentDeclined as exc:
            next_action.forget(session)
            form.add_error(None, _("Your payment was declined (%(reason)s).") % {"reason": exc})
            return self.form_invalid(form)
        except GatewayError:
            form.add_error(None, _("The payment provider did not answer; please try again."))
            return self.form_invalid(form)
        next_action.forget(session)
        messages.success(
            self.request,
            _("Thank you: your payment is confirmed and your items will ship as they arrive."),
        )
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return self.request.path


def stripe_webhooks_enabled() -> bool:
    """The Stripe gateway is the shop's and the endpoint has its signing secret."""
    from oscar_backorders.app_settings import backorder_settings
    from oscar_backorders.payments.gateways import payments_enabled

    return bool(
        payments_enabled()
        and backorder_settings.STRIPE_WEBHOOK_SECRET
        and get_gateway().name == "stripe"
    )


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(View):
    """Stripe's webhook endpoint: verify the signature, then :func:`.webhooks.receive_event`.

    404 unless the shop uses the Stripe gateway with ``BACKORDERS_STRIPE_WEBHOOK_SECRET``; 400
    (nothing recorded) for a missing, wrong or too old signature; 200 for every verified event,
    a repeated one included, so Stripe stops retrying it.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not stripe_webhooks_enabled():
            raise Http404("Stripe webhooks are not enabled.")
        import stripe

        from oscar_backorders.app_settings import backorder_settings
        from oscar_backorders.payments.webhooks import MalformedEvent, receive_event

        try:
            event = stripe.Webhook.construct_event(
                request.body,
                request.headers.get("Stripe-Signature", ""),
                backorder_settings.STRIPE_WEBHOOK_SECRET,
                tolerance=backorder_settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
            )
            result = receive_event(event.to_dict())
        except stripe.SignatureVerificationError as exc:
            return HttpResponseBadRequest(f"Signature refused: {exc}", content_type="text/plain")
        except (ValueError, MalformedEvent) as exc:
            return HttpResponseBadRequest(f"Not a Stripe event: {exc}", content_type="text/plain")
        return JsonResponse(
            {"received": result.event_id, "outcome": result.outcome, "duplicate": result.duplicate}
        )
