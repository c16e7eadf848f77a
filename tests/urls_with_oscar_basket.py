"""The sandbox shop's URLs plus Oscar's own basket view, unextended, at ``/oscar-basket/``.

Tests post the same basket update to both views to show where the plugin leaves Oscar's alone.
"""

from django.urls import path
from oscar.apps.basket.views import BasketView as OscarBasketView
from shop.urls import urlpatterns as shop_urlpatterns

urlpatterns = [path("oscar-basket/", OscarBasketView.as_view()), *shop_urlpatterns]
