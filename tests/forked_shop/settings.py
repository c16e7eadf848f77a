"""Test settings of a shop that forked ``partner`` and ``order`` (no plugin class loader)."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

FORKS = {
    "oscar.apps.partner.apps.PartnerConfig": "tests.forked_shop.partner.apps.PartnerConfig",
    "oscar.apps.order.apps.OrderConfig": "tests.forked_shop.order.apps.OrderConfig",
}
INSTALLED_APPS = [FORKS.get(app, app) for app in INSTALLED_APPS]
OSCAR_DYNAMIC_CLASS_LOADER = "oscar.core.loading.default_class_loader"
SILENCED_SYSTEM_CHECKS = ["oscar_backorders.W001", "oscar_backorders.W002"]
