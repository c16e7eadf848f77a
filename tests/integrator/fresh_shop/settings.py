"""A new Oscar shop's settings, then README's install snippet, as an integrator pastes it."""

from tests.integrator import readme
from tests.integrator.oscar_shop_settings import *  # noqa: F403

readme.apply("settings", globals())
ROOT_URLCONF = "tests.integrator.fresh_shop.urls"
