from django.apps import apps
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]
# The admin too speaks the visitor's language (/nl/admin/…); /admin/ is the default language.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("backorders/", include("oscar_backorders.urls")),
    *(
        [path("api/backorders/", include("oscar_backorders.api.urls"))]
        if settings.API_INSTALLED
        else []
    ),
    *([path("api/", include("oscarapi.urls"))] if settings.OSCARAPI_INSTALLED else []),
    path("", include(apps.get_app_config("oscar").urls[0])),
    prefix_default_language=False,
)
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
