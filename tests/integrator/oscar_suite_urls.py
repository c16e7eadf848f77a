"""Oscar's test URLconf with README's URL line applied."""

from tests._site.urls import *  # noqa: F403
from tests._site.urls import urlpatterns  # noqa: F401

import readme

readme.apply("urls", globals())
