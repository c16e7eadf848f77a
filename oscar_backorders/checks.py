"""System checks (ids ``oscar_backorders.E001`` …, each with a hint)."""

from __future__ import annotations

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
