"""Plain Oscar's URLs (``tests/urls_plain.py``) plus README's install snippet for the plugin's."""

from tests.integrator import readme
from tests.urls_plain import urlpatterns  # noqa: F401

readme.apply("urls", globals())
