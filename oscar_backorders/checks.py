"""System checks of the plugin's settings and of how it is wired into the shop.

Each message has a stable id and a hint; docs/settings.md lists every id of the plugin (the
payments side has its own in ``payments/checks.py``). The checks read the shop's configuration
and import what it names, but never let an exception from the shop's own code escape:
``manage.py check`` must keep working to report what is wrong.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def check_integration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    loader = getattr(settings, "OSCAR_DYNAMIC_CLASS_LOADER", "")
    if loader != "oscar_backorders.loading.class_loader":
        from oscar.core.loading import get_class

        from oscar_backorders.placement import BackorderOrderCreatorMixin
        from oscar_backorders.strategy import Backorders, BackorderSelectorMixin

        selector = get_class("partner.strategy", "Selector")
        strategy = selector().strategy()
        if not isinstance(selector(), BackorderSelectorMixin) and not isinstance(
            strategy, Backorders
        ):
            errors.append(
                checks.Warning(
                    "Oscar's strategy does not use the backorder availability policy, so nothing "
                    "can be backordered.",
                    hint=(
                        "Set OSCAR_DYNAMIC_CLASS_LOADER = 'oscar_backorders.loading.class_loader',"
                        " or compose oscar_backorders.strategy.Backorders into your Selector's "
                        "strategy."
                    ),
                    id="oscar_backorders.W001",
                )
            )
        creator = get_class("order.utils", "OrderCreator")
        if not issubclass(creator, BackorderOrderCreatorMixin):
            errors.append(
                checks.Warning(
                    "Oscar's OrderCreator does not record backordered quantities or enforce caps.",
                    hint=(
                        "Set OSCAR_DYNAMIC_CLASS_LOADER = 'oscar_backorders.loading.class_loader',"
                        " or add oscar_backorders.placement.BackorderOrderCreatorMixin to your "
                        "forked order.utils.OrderCreator."
                    ),
                    id="oscar_backorders.W002",
                )
            )
    return errors


@checks.register(checks.Tags.urls)
def check_urls(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The plugin's customer pages (and the links in its emails) need its URLconf included."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("oscar_backorders:ships-later")
    except NoReverseMatch:
        return [
            checks.Error(
                "The plugin's URLs are not included in the shop's URLconf, so its pages "
                "(ships later, cancelling waiting units, answers to delay emails, confirming "
                "payment) and the links in its emails do not work.",
                hint=(
                    f'Add path("backorders/", include("oscar_backorders.urls")) to '
                    f'{settings.ROOT_URLCONF}.urlpatterns (README, "Install in a shop").'
                ),
                id="oscar_backorders.E130",
            )
        ]
    return []


@checks.register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every ``BACKORDERS_*`` name is a setting of the plugin, and every value keeps its rule."""
    from oscar_backorders.app_settings import DEFAULTS, PREFIX, RULES

    messages: list[checks.CheckMessage] = []
    for name in sorted(n for n in dir(settings) if n.startswith(PREFIX)):
        if name.removeprefix(PREFIX) in DEFAULTS:
            continue
        close = difflib.get_close_matches(name.removeprefix(PREFIX), DEFAULTS, n=1)
        messages.append(
            checks.Error(
                f"{name} is not a setting of oscar_backorders, so it has no effect.",
                hint=(f"Did you mean {PREFIX}{close[0]}? See" if close else "Remove it, or see")
                + " docs/settings.md for the plugin's settings.",
                id="oscar_backorders.E001",
            )
        )
    for key, rule in RULES.items():
        if rule is None:
            continue
        name = PREFIX + key
        value = getattr(settings, name, DEFAULTS[key])
        problem = rule.problem(value)
        if problem is None:
            continue
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        messages.append(
            checks.Error(
                f"{name} is {shown}: {problem}.",
                hint=" ".join(
                    part
                    for part in (
                        rule.advice,
                        f"Set {name} as docs/settings.md describes, or remove it to use the "
                        f"default, {DEFAULTS[key]!r}.",
                    )
                    if part
                ),
                id=rule.check_id,
            )
        )
    return messages
