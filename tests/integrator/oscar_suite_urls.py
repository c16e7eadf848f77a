"""Oscar's test URLconf with README's URL line applied.

Oscar's tests reload ``settings.ROOT_URLCONF`` after changing settings that shape its URLs
(``OSCAR_ALLOW_ANON_CHECKOUT``), so reloading this module rebuilds Oscar's URLconf too.
"""

import importlib
import sys

import readme

_site = sys.modules.get("tests._site.urls")
_site = importlib.reload(_site) if _site else importlib.import_module("tests._site.urls")

urlpatterns = list(_site.urlpatterns)
handler403, handler404, handler500 = _site.handler403, _site.handler404, _site.handler500

readme.apply("urls", globals())
