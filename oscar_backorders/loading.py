"""The zero-fork route: a class loader for ``OSCAR_DYNAMIC_CLASS_LOADER``.

It delegates every request to the shop's previous loader (``BACKORDERS_DELEGATE_CLASS_LOADER``,
Oscar's default unless set) and then puts the plugin's mixin in front of the few classes it
extends. A shop that already forked those apps composes the mixins itself instead.

    OSCAR_DYNAMIC_CLASS_LOADER = "oscar_backorders.loading.class_loader"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from oscar_backorders.app_settings import backorder_settings

#: (module label, class name) -> dotted path of the mixin that goes in front of the shop's class.
#: Other modules of the plugin add entries here as they land (payments, shipping events).
MIXINS: dict[tuple[str, str], str] = {
    ("partner.strategy", "Selector"): "oscar_backorders.strategy.BackorderSelectorMixin",
    ("order.utils", "OrderCreator"): "oscar_backorders.placement.BackorderOrderCreatorMixin",
    ("customer.alerts.utils", "AlertsDispatcher"): (
        "oscar_backorders.receivers.InStockAlertsDispatcherMixin"
    ),
    ("checkout.views", "PaymentDetailsView"): (
        "oscar_backorders.payments.checkout.AuthoriseAtCheckoutMixin"
    ),
    ("order.processing", "EventHandler"): (
        "oscar_backorders.payments.processing.ShipWithPaymentEventHandlerMixin"
    ),
}


@cache
def _compose(mixin_path: str, base: type) -> type:
    mixin = import_string(mixin_path)
    if issubclass(base, mixin):
        return base
    return type(base.__name__, (mixin, base), {"__module__": base.__module__})


def _delegate() -> Callable[[str, Sequence[str], str], list[Any]]:
    return import_string(backorder_settings.DELEGATE_CLASS_LOADER)


def class_loader(module_label: str, classnames: Sequence[str], module_prefix: str) -> list[Any]:
    classes = list(_delegate()(module_label, classnames, module_prefix))
    if module_prefix != "oscar.apps":
        return classes
    for index, name in enumerate(classnames):
        mixin_path = MIXINS.get((module_label, name))
        if mixin_path is not None and isinstance(classes[index], type):
            if (module_label, name) == ("partner.strategy", "Selector") and (
                backorder_settings.SELECTOR
            ):
                classes[index] = import_string(backorder_settings.SELECTOR)
                continue
            classes[index] = _compose(mixin_path, classes[index])
    return classes
