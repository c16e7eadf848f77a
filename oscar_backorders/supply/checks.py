"""System checks of the supply settings (ids ``oscar_backorders.E1xx``, each with a hint)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from oscar_backorders.app_settings import backorder_settings


@checks.register()
def check_supply_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    level = backorder_settings.SERVICE_LEVEL
    if not isinstance(level, int | float) or not 0.5 <= level < 1:
        errors.append(
            checks.Error(
                f"BACKORDERS_SERVICE_LEVEL is {level!r}; it must be a number from 0.5 up to "
                "(not including) 1.",
                hint="Use e.g. 0.95 for a 95 % chance of not running out during a lead time.",
                id="oscar_backorders.E101",
            )
        )
    from oscar_backorders.exceptions import BackorderConfigurationError
    from oscar_backorders.priorities import get_priority_order

    try:
        get_priority_order()
    except BackorderConfigurationError as exc:
        errors.append(
            checks.Error(
                str(exc),
                hint="Name a class with sort_key(line), e.g. "
                "'oscar_backorders.priorities.ManualPriority'.",
                id="oscar_backorders.E102",
            )
        )
    for name in ("INBOUND_ALLOWANCE", "DEMAND_WINDOW_DAYS", "ORDER_COVER_DAYS"):
        value = getattr(backorder_settings, name)
        if not isinstance(value, int) or value < (1 if name == "DEMAND_WINDOW_DAYS" else 0):
            errors.append(
                checks.Error(
                    f"BACKORDERS_{name} is {value!r}; it must be a whole number of "
                    f"{'at least 1' if name == 'DEMAND_WINDOW_DAYS' else '0 or more'}.",
                    hint=f"Set BACKORDERS_{name} in your settings or remove it for the default.",
                    id="oscar_backorders.E103",
                )
            )
    return errors
