"""URLs of the payments side, included by :mod:`oscar_backorders.urls`."""

from django.urls import path

from oscar_backorders.payments.views import ConfirmPaymentView

urlpatterns = [
    path(
        "payment/<str:number>/<str:token>/",
        ConfirmPaymentView.as_view(),
        name="payments-confirm",
    ),
]
