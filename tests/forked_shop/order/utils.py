"""The README's forked-shop order creator, verbatim."""

from oscar.apps.order.utils import OrderCreator as CoreOrderCreator

from oscar_backorders.placement import BackorderOrderCreatorMixin


class OrderCreator(BackorderOrderCreatorMixin, CoreOrderCreator):
    pass
