"""Registers the plugin's admin (Django's admin autodiscovery imports this module).

The console itself lives in :mod:`oscar_backorders.console`; each capability package registers
its own admin classes.
"""

from __future__ import annotations

from oscar_backorders.console import (  # noqa: F401  (registers the admin classes)
    job_admin,
    policies,
    queue,
)
from oscar_backorders.deprecation import moved_names
from oscar_backorders.notifications import admin as notifications_admin  # noqa: F401
from oscar_backorders.payments import admin as payments_admin  # noqa: F401
from oscar_backorders.supply import admin as supply_admin  # noqa: F401
from oscar_backorders.supply import promotions_admin  # noqa: F401

# Names this module used to define: old import paths keep working, with a DeprecationWarning.
__getattr__ = moved_names(
    __name__,
    {
        "payment_state": "oscar_backorders.console.payment_column.payment_state",
        "authorisations_prefetch": "oscar_backorders.console.payment_column.authorisations_prefetch",
        "BackorderLineAdmin": "oscar_backorders.console.queue.BackorderLineAdmin",
        "BackorderPolicyAdmin": "oscar_backorders.console.policies.BackorderPolicyAdmin",
    },
)
