"""System checks of the plugin's settings and of how it is wired into the shop.

Each message has a stable id and a hint; docs/settings.md lists every id of the plugin (the
payments side has its own in ``payments/checks.py``). The checks read the shop's configuration
and import what it names, but never let an exception from the shop's own code escape:
``manage.py check`` must keep working to report what is wrong.
"""

from __future__ import annotations

import difflib
from pathlib import Path
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


def _template_file(name: str) -> Path | None:
    """The file Django renders for template ``name``: the first engine and folder that has it.

    Asks the loaders in order, as ``get_template`` does, but only reads files (compiles none).
    """
    from django.template import TemplateDoesNotExist, engines
    from django.template.backends.django import DjangoTemplates

    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for loader in engine.engine.template_loaders:
            for origin in loader.get_template_sources(name):
                try:
                    origin.loader.get_contents(origin)
                except TemplateDoesNotExist:
                    continue
                return Path(origin.name)
    return None


def _shadowed_templates() -> list[str]:
    """The plugin's overrides of Oscar templates that Django finds in Oscar's own folder instead.

    A shop's own copy of a template (in ``DIRS``) is the shop's choice; only Oscar's original
    winning over the plugin's version is reported.
    """
    import oscar

    import oscar_backorders

    plugin_dir = Path(oscar_backorders.__file__).parent / "templates"
    oscar_dir = Path(oscar.__file__).parent / "templates"
    overrides = sorted(
        path.relative_to(plugin_dir).as_posix()
        for path in (plugin_dir / "oscar").rglob("*")
        if path.is_file() and (oscar_dir / path.relative_to(plugin_dir)).is_file()
    )
    return [
        name
        for name in overrides
        if (found := _template_file(name)) is not None and found.is_relative_to(oscar_dir)
    ]


@checks.register(checks.Tags.templates)
def check_app_order(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The plugin's template blocks are lost when Oscar's own templates are found first."""
    try:
        shadowed = _shadowed_templates()
    except Exception:  # a template setup this check cannot read: nothing to report
        return []
    if not shadowed:
        return []
    return [
        checks.Error(
            "Django finds Oscar's own templates before the plugin's, so the plugin's additions "
            f"to them are never shown ({', '.join(shadowed[:3])}"
            + (f" and {len(shadowed) - 3} more" if len(shadowed) > 3 else "")
            + ").",
            hint=(
                "In INSTALLED_APPS, list the plugin's app config "
                '("oscar_backorders.apps.BackordersConfig" or your fork of it) before '
                '"oscar.config.Shop" (README, "Install in a shop").'
            ),
            id="oscar_backorders.E010",
        )
    ]


def _shadowing_class(strategy_class: type) -> type | None:
    """The class whose availability methods win over :class:`Backorders`' in the MRO, if any."""
    from oscar_backorders.strategy import Backorders

    if not issubclass(strategy_class, Backorders):
        return None
    for method in ("availability_policy", "parent_availability_policy"):
        owner = next(cls for cls in strategy_class.__mro__ if method in vars(cls))
        if not issubclass(owner, Backorders):
            return owner
    return None


@checks.register()
def check_strategy_order(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``Backorders`` must come before Oscar's ``StockRequired`` (or any availability mixin)."""
    from oscar.core.loading import get_class

    try:
        strategy = get_class("partner.strategy", "Selector")().strategy()
    except Exception:  # a selector that needs a request: judged when the shop runs
        return []
    strategy_class = type(strategy)
    owner = _shadowing_class(strategy_class)
    if owner is None:
        return []
    return [
        checks.Error(
            f"The shop's strategy {strategy_class.__module__}.{strategy_class.__qualname__} "
            "composes oscar_backorders.strategy.Backorders after "
            f"{owner.__module__}.{owner.__qualname__}, whose availability wins: backorderable "
            'products show as "Unavailable".',
            hint=(
                "Put Backorders in place of StockRequired, before the other mixins, e.g. "
                "class Default(UseFirstStockRecord, Backorders, NoTax, Structured) "
                '(README, "Shops that forked partner").'
            ),
            id="oscar_backorders.E011",
        )
    ]
