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
#: ``PaymentDetailsView`` is composed only when the shop opted into pay-when-it-ships (see
#: :func:`composes_payment`); every other mixin leaves products without a policy as Oscar has them.
MIXINS: dict[tuple[str, str], str] = {
    ("partner.strategy", "Selector"): "oscar_backorders.strategy.BackorderSelectorMixin",
    ("basket.forms", "BasketLineForm"): "oscar_backorders.basket.BackorderBasketLineFormMixin",
    ("basket.views", "BasketView"): "oscar_backorders.basket.BackorderBasketViewMixin",
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


def own_handle_payment(view: type) -> type | None:
    """The class of ``view``'s MRO that defines the shop's own ``handle_payment``, if any.

    Oscar's ``OrderPlacementMixin.handle_payment`` is an empty hook for shops to fill; a shop
    that filled it (in a forked checkout or a subclass) takes payment its own way, and the
    plugin must not replace that silently.
    """
    from oscar.apps.checkout.mixins import OrderPlacementMixin

    from oscar_backorders.payments.checkout import AuthoriseAtCheckoutMixin

    for klass in view.__mro__:
        if "handle_payment" in vars(klass):
            if klass in (OrderPlacementMixin, AuthoriseAtCheckoutMixin):
                return None
            return klass
    return None


def composes_payment(view: type) -> bool:
    """Whether the loader puts :class:`AuthoriseAtCheckoutMixin` in front of ``view``: only when
    the shop set ``BACKORDERS_PAYMENT_GATEWAY`` and ``view`` has no ``handle_payment`` of its own
    (system check ``oscar_backorders.E120`` then says how to compose it explicitly)."""
    return bool(backorder_settings.PAYMENT_GATEWAY) and own_handle_payment(view) is None


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
            if (module_label, name) == ("checkout.views", "PaymentDetailsView") and (
                not composes_payment(classes[index])
            ):
                continue
            classes[index] = _compose(mixin_path, classes[index])
    return classes
