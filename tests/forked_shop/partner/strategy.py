"""The README's forked-shop strategy, verbatim."""

from oscar.apps.partner import strategy

from oscar_backorders.strategy import Backorders


class Default(strategy.UseFirstStockRecord, Backorders, strategy.NoTax, strategy.Structured):
    pass


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        return Default(request)
