"""URLs of the plugin's customer pages. A shop includes them once::

path("backorders/", include("oscar_backorders.urls")),
"""

from django.urls import path, re_path

from oscar_backorders import views
from oscar_backorders.notifications import views as notification_views

app_name = "oscar_backorders"

urlpatterns = [
    path("ships-later/", views.ShipsLaterView.as_view(), name="ships-later"),
    path(
        "orders/<str:order_number>/lines/<int:line_id>/cancel/",
        views.CancelWaitingView.as_view(),
        name="cancel",
    ),
    # The hash is Oscar's order verification hash, as in its "order-status" URL.
    re_path(
        r"^order-status/(?P<order_number>[\w-]*)/(?P<hash>[A-z0-9-_=:]+)/lines/(?P<line_id>\d+)/cancel/$",
        views.AnonymousCancelWaitingView.as_view(),
        name="anon-cancel",
    ),
    # --- Notifications ---
    re_path(
        r"^delay/(?P<order_number>[\w-]+)/(?P<action>keep|cancel)/(?P<token>[\w:.-]+)/$",
        notification_views.DelayAnswerView.as_view(),
        name="delay-answer",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
]

# --- payments ---
from oscar_backorders.payments.urls import urlpatterns as payments_urlpatterns  # noqa: E402

urlpatterns += payments_urlpatterns
