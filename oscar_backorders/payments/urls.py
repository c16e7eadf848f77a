"""URLs of the payments side, included by :mod:`oscar_backorders.urls`."""

from django.urls import path

from oscar_backorders.payments.views import ConfirmPaymentView, StripeWebhookView

urlpatterns = [
    # Stripe's webhooks (404 unless the Stripe gateway and its webhook secret are set).
    path("payments/stripe/webhook/", StripeWebhookView.as_view(), name="payments-stripe-webhook"),
    path(
        "payment/<str:number>/<str:token>/",
        ConfirmPaymentView.as_view(),
        name="payments-confirm",
    ),
]
