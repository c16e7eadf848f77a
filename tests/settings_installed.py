"""Plain Oscar's test shop (``tests.settings_plain``) with the plugin installed as README says.

README's install snippet is applied as written (``tests/integrator/readme.py``), nothing more:
no payment gateway (pay-when-it-ships is opt-in), the shop-wide mode "off". ``tests/budgets.py``
walks this shop with no backorder policy anywhere and with a policy on every stock record, and
compares its pages with plain Oscar's.
"""

from tests.integrator import readme
from tests.settings_plain import *  # noqa: F403

readme.apply("settings", globals())
ROOT_URLCONF = "tests.urls_installed"
