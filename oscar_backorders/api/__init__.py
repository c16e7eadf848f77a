"""The plugin's REST API, on Django REST framework with django-oscar-api's conventions.

Optional: nothing else in the plugin imports this package, so a shop without Django REST
framework keeps working. A shop that wants the API installs the ``api`` extra
(``pip install django-oscar-backorders[api]``), adds ``rest_framework`` (and ``drf_spectacular``
for the schema) to ``INSTALLED_APPS`` and includes the URLs once::

    path("api/backorders/", include("oscar_backorders.api.urls")),

Every action calls the same service function as the web page or the admin action it mirrors,
with the same rules and refusals (docs/api.md).
"""
