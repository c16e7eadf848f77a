"""A new Oscar shop's URLconf (Oscar's docs), then README's URL snippet."""

from django.apps import apps
from django.urls import include, path

from tests.integrator import readme

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

readme.apply("urls", globals())
