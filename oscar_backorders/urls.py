"""URLs of the plugin's customer pages. A shop includes them once::

path("backorders/", include("oscar_backorders.urls")),
"""

from django.urls import path  # noqa: F401

app_name = "oscar_backorders"

urlpatterns: list = []

# --- payments ---
from oscar_backorders.payments.urls import urlpatterns as payments_urlpatterns  # noqa: E402

urlpatterns += payments_urlpatterns
