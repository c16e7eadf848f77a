"""Oscar's test URLconf with README's URL line applied."""

import readme

from tests._site.urls import *  # noqa: F403
from tests._site.urls import urlpatterns  # noqa: F401

readme.apply("urls", globals())
