"""A shop with forked ``partner``, ``order`` and ``checkout`` apps, then README's install snippet."""

from tests.integrator import readme
from tests.integrator.oscar_shop_settings import *  # noqa: F403
from tests.integrator.oscar_shop_settings import INSTALLED_APPS

# Forked with ``manage.py oscar_fork_app`` and listed in place of Oscar's apps, as Oscar's docs say.
FORKS = {
    "oscar.apps.partner.apps.PartnerConfig": "tests.integrator.forked_shop.partner.apps.PartnerConfig",
    "oscar.apps.order.apps.OrderConfig": "tests.integrator.forked_shop.order.apps.OrderConfig",
    "oscar.apps.checkout.apps.CheckoutConfig": (
        "tests.integrator.forked_shop.checkout.apps.CheckoutConfig"
    ),
}
INSTALLED_APPS = [FORKS.get(app, app) for app in INSTALLED_APPS]
# ``oscar_fork_app`` copies Oscar's migrations into each fork; these forks use Oscar's own, which
# are the same migrations without a copy of them in this repository.
MIGRATION_MODULES = {
    "partner": "oscar.apps.partner.migrations",
    "order": "oscar.apps.order.migrations",
}

readme.apply("settings", globals())
ROOT_URLCONF = "tests.integrator.fresh_shop.urls"  # a shop's URLconf does not change with forks
