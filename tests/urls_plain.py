"""The sandbox shop's URLs without the plugin's (see ``tests/settings_plain.py``)."""

from django.apps import apps
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("i18n/", include("django.conf.urls.i18n"))]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
    prefix_default_language=False,
)
