"""URLs of the plugin's REST API. A shop with Django REST framework includes them once::

    path("api/backorders/", include("oscar_backorders.api.urls")),

Guest orders use Oscar's order-status hash, as in its ``customer:anon-order`` URL.
"""

from django.urls import path, re_path

from oscar_backorders.api import customer, merchant, policies, suppliers, supply

app_name = "oscar_backorders_api"

GUEST = r"^order-status/(?P<order_number>[\w-]*)/(?P<hash>[A-z0-9-_=:]+)/"

urlpatterns = [
    # --- customer ---
    path("orders/<str:order_number>/", customer.OrderBackordersView.as_view(), name="order"),
    path(
        "orders/<str:order_number>/lines/<int:line_id>/cancel/",
        customer.CancelWaitingView.as_view(),
        name="cancel",
    ),
    path(
        "orders/<str:order_number>/delay-answer/",
        customer.OrderDelayAnswerView.as_view(),
        name="delay-answer",
    ),
    re_path(GUEST + r"$", customer.OrderBackordersView.as_view(), name="anon-order"),
    re_path(
        GUEST + r"lines/(?P<line_id>\d+)/cancel/$",
        customer.CancelWaitingView.as_view(),
        name="anon-cancel",
    ),
    re_path(
        GUEST + r"delay-answer/$",
        customer.OrderDelayAnswerView.as_view(),
        name="anon-delay-answer",
    ),
    re_path(
        GUEST + r"notification-preferences/$",
        customer.NotificationPreferencesView.as_view(),
        name="anon-preferences",
    ),
    path("delay-answers/", customer.DelayLinkAnswerView.as_view(), name="delay-link-answer"),
    path(
        "notification-preferences/",
        customer.NotificationPreferencesView.as_view(),
        name="preferences",
    ),
    # --- merchant (staff, the admin's permissions) ---
    path("queue/", merchant.QueueView.as_view(), name="queue"),
    path("queue/<int:pk>/", merchant.QueueLineView.as_view(), name="queue-line"),
    path("queue/set-estimate/", merchant.SetEstimateView.as_view(), name="set-estimate"),
    path("queue/change-priority/", merchant.SetPriorityView.as_view(), name="change-priority"),
    path("queue/cancel-waiting/", merchant.CancelWaitingView.as_view(), name="cancel-waiting"),
    path("queue/allocate/", merchant.AllocateView.as_view(), name="allocate"),
    path("queue/ship/", merchant.ShipView.as_view(), name="ship"),
    path("policies/", policies.PoliciesView.as_view(), name="policies"),
    path("policies/<int:pk>/", policies.PolicyView.as_view(), name="policy"),
    # --- supply (staff, the admin's permissions) ---
    path("suppliers/", suppliers.SuppliersView.as_view(), name="suppliers"),
    path("suppliers/<int:pk>/", suppliers.SupplierView.as_view(), name="supplier"),
    path("purchase-orders/", supply.PurchaseOrdersView.as_view(), name="purchase-orders"),
    path("purchase-orders/<int:pk>/", supply.PurchaseOrderView.as_view(), name="purchase-order"),
    path("purchase-orders/import/", supply.ImportView.as_view(), name="import"),
    path(
        "purchase-order-lines/<int:pk>/confirm/",
        supply.ConfirmArrivalView.as_view(),
        name="confirm-arrival",
    ),
    path(
        "purchase-order-lines/<int:pk>/receive/",
        supply.ReceiveView.as_view(),
        name="receive",
    ),
    path(
        "purchase-order-lines/<int:pk>/withdraw-confirmation/",
        supply.WithdrawConfirmationView.as_view(),
        name="withdraw-confirmation",
    ),
    path(
        "purchase-order-lines/<int:pk>/cancel/",
        supply.CancelLineView.as_view(),
        name="cancel-line",
    ),
]

try:  # The schema needs drf-spectacular (the "api" extra installs it).
    from oscar_backorders.api.schema import SchemaView
except ImportError:  # pragma: no cover - without drf-spectacular
    pass
else:
    urlpatterns.append(path("schema/", SchemaView.as_view(), name="schema"))
