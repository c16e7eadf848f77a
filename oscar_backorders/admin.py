"""Registers the plugin's admin (Django's admin autodiscovery imports this module).

The console itself lives in :mod:`oscar_backorders.console`; each capability package registers
its own admin classes.
"""

from __future__ import annotations

import warnings
from typing import Any

from oscar_backorders.console import job_admin, policies, queue  # noqa: F401  (registers the admin classes)
from oscar_backorders.notifications import admin as notifications_admin  # noqa: F401
from oscar_backorders.payments import admin as payments_admin  # noqa: F401
from oscar_backorders.supply import admin as supply_admin  # noqa: F401

#: Names this module used to define, and where they live now.
_MOVED = {
    "payment_state": "oscar_backorders.console.payment_column",
    "authorisations_prefetch": "oscar_backorders.console.payment_column",
    "BackorderLineAdmin": "oscar_backorders.console.queue",
    "BackorderPolicyAdmin": "oscar_backorders.console.policies",
}


def __getattr__(name: str) -> Any:
    """Old import paths keep working for one release, with a ``DeprecationWarning``."""
    if name in _MOVED:
        from importlib import import_module

        warnings.warn(
            f"oscar_backorders.admin.{name} moved to {_MOVED[name]}.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
