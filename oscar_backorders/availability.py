"""Availability policies for stock that may be sold beyond what is on the shelf.

They follow Oscar's ``partner.availability`` vocabulary: ``is_purchase_permitted(quantity)``
returns ``(bool, reason)``, ``dispatch_date`` is when the next unit bought would ship, and
``num_available`` tells the basket how many may be bought (``None``: no limit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cached_property

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.apps.partner.availability import Base

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.estimates.base import Estimate
from oscar_backorders.formatting import ship_date
from oscar_backorders.policy import ResolvedPolicy


class BackorderAvailability(Base):
    """Stock that may be backordered (or pre-ordered) within an optional cap.

    ``net_stock`` is Oscar's ``StockRecord.net_stock_level`` (negative while units wait on
    backorder). ``estimate(units)`` promises the last of ``units`` backordered units; it is
    called only when a date is first needed, so pages that only show "In stock" never compute one.

    ``room`` is how many units this customer may still backorder under the policy's limits per
    order and per customer (``None``: no such limit; see ``customer_limits.backorder_room``),
    ``waiting`` how many they already have waiting.
    """

    CODE_IN_STOCK = "instock"
    CODE_BACKORDER = "backorder"
    CODE_PREORDER = "preorder"
    CODE_OUT_OF_STOCK = "outofstock"

    #: The product page says "Only N left to order" when a cap leaves at most this many units
    #: to buy. Above it the count is no news to the customer and only tells the cap.
    FEW_LEFT_TO_ORDER = 10

    def __init__(
        self,
        *,
        net_stock: int,
        policy: ResolvedPolicy,
        estimate: Callable[[int], Estimate],
        today: date,
        room: int | None = None,
        waiting: int = 0,
    ) -> None:
        self.net_stock = net_stock
        self.room = room
        self.waiting = waiting
        self.backorder_policy = policy
        self.mode = policy.effective_mode(today)
        self._estimate = estimate
        self.today = today

    # -- quantities -----------------------------------------------------------------------

    @property
    def num_in_stock(self) -> int:
        """Units that would ship from the shelf now."""
        return max(self.net_stock, 0)

    @property
    def num_available(self) -> int | None:
        """Most units one purchase may take: free stock plus what the caps still allow."""
        limits = [n for n in (self._within_cap, self._within_limits) if n is not None]
        return min(limits) if limits else None

    @property
    def _within_cap(self) -> int | None:
        """Free stock plus what the stock record's cap still allows."""
        if self.backorder_policy.cap is None:
            return None
        return max(self.net_stock + self.backorder_policy.cap, 0)

    @property
    def _within_limits(self) -> int | None:
        """What ships from stock plus what this customer may still backorder (per order and per
        customer limits)."""
        if self.room is None:
            return None
        return self.split(self.num_in_stock)[0] + self.room

    @property
    def _limited_by_customer(self) -> bool:
        """Whether the customer's limits, not the stock record's cap, bind this purchase."""
        within = self._within_limits
        cap = self._within_cap
        return within is not None and (cap is None or within < cap)

    @property
    def limit_message(self) -> str:
        """The sentence for a limit per order or per customer ("You can order at most 2 more on
        backorder"); empty when none applies or the stock record's own cap binds first."""
        if not self._limited_by_customer or self.room is None:
            return ""
        if self.room == 0:
            cap = self.backorder_policy.customer_cap or 0
            return ngettext(
                "You already have the most one customer can have on backorder (%(count)d)",
                "You already have the most one customer can have on backorder (%(count)d)",
                cap,
            ) % {"count": cap}
        if self.waiting:
            return ngettext(
                "You can order at most %(count)d more on backorder",
                "You can order at most %(count)d more on backorder",
                self.room,
            ) % {"count": self.room}
        return ngettext(
            "You can order at most %(count)d on backorder",
            "You can order at most %(count)d on backorder",
            self.room,
        ) % {"count": self.room}

    @property
    def num_left_to_order(self) -> int | None:
        """Units that may still be bought when a cap makes that few worth saying, else ``None``.

        Only a capped product counts down; an uncapped one, or one with more than
        :attr:`FEW_LEFT_TO_ORDER` left, shows no number. Where the customer's own limits bind,
        :attr:`limit_message` speaks instead.
        """
        if self._limited_by_customer:
            return None
        left = self.num_available
        if left is None or left < 1 or left > self.FEW_LEFT_TO_ORDER:
            return None
        return left

    def split(self, quantity: int) -> tuple[int, int]:
        """``(from stock, backordered)`` for a purchase of ``quantity`` now.

        A pre-order backorders every unit: none ships before the release date.
        """
        if self.mode == PolicyMode.PREORDER:
            return 0, quantity
        from_stock = min(quantity, self.num_in_stock)
        return from_stock, quantity - from_stock

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        if quantity < 1:
            return False, str(_("the quantity must be at least 1"))
        limit = self.num_available
        if limit is not None and quantity > limit:
            if self._limited_by_customer and (limit == self.room or limit == 0):
                return False, self.limit_message
            if limit == 0 and self.backorder_policy.cap_from_inbound:
                return False, str(
                    _("no stock available and nothing more is expected from the supplier yet")
                )
            if limit == 0:
                return False, str(_("no stock available and the backorder limit is reached"))
            return False, ngettext(
                "a maximum of %(max)d can be ordered",
                "a maximum of %(max)d can be ordered",
                limit,
            ) % {"max": limit}
        return True, ""

    # -- dates ----------------------------------------------------------------------------

    @cached_property
    def estimate(self) -> Estimate:
        """The promise for one more unit (what the product page shows)."""
        return self._estimate(1)

    def estimate_for(self, quantity: int) -> Estimate:
        """The promise for all of ``quantity`` bought now: the day the last of them ships."""
        _, backordered = self.split(quantity)
        return self.estimate if backordered <= 1 else self._estimate(backordered)

    @property
    def dispatch_date(self) -> date | None:  # type: ignore[override]
        """When the next unit bought now would ship; ``None`` when it ships from stock now."""
        if self.mode != PolicyMode.PREORDER and self.net_stock > 0:
            return None
        if not self.is_available_to_buy:
            return None
        return self.estimate.day

    def dispatch_date_for(self, quantity: int) -> date | None:
        """When all of ``quantity`` bought now would have shipped (``None``: all from stock)."""
        _, backordered = self.split(quantity)
        return self.estimate_for(quantity).day if backordered else None

    # -- what the customer reads ----------------------------------------------------------

    @property
    def code(self) -> str:  # type: ignore[override]
        if self.mode == PolicyMode.PREORDER:
            return self.CODE_PREORDER if self.is_available_to_buy else self.CODE_OUT_OF_STOCK
        if self.net_stock > 0:
            return self.CODE_IN_STOCK
        return self.CODE_BACKORDER if self.is_available_to_buy else self.CODE_OUT_OF_STOCK

    @property
    def short_message(self) -> str:
        code = self.code
        if code == self.CODE_IN_STOCK:
            return str(_("In stock"))
        if code == self.CODE_PREORDER:
            return str(_("Pre-order"))
        if code == self.CODE_BACKORDER:
            return str(_("On backorder"))
        return str(_("Unavailable"))

    @property
    def message(self) -> str:  # type: ignore[override]
        text = self._state_message()
        limit = self.limit_message
        if limit:
            return str(_("%(state)s. %(left)s")) % {"state": text, "left": limit}
        left = self.num_left_to_order
        if left is None or self.code == self.CODE_OUT_OF_STOCK:
            return text
        return str(_("%(state)s. %(left)s")) % {
            "state": text,
            "left": ngettext("Only %(count)d left to order", "Only %(count)d left to order", left)
            % {"count": left},
        }

    @property
    def dated_message(self) -> str:
        """The state with its date and nothing more, for a product tile: "Available on backorder
        — ships by 8 Dec", "Pre-order — releases 10 Dec" (the product page's promise)."""
        return self._state_message()

    def _state_message(self) -> str:
        code = self.code
        if code == self.CODE_OUT_OF_STOCK:
            return str(_("Unavailable"))
        if code == self.CODE_PREORDER:
            return str(_("Pre-order — releases %(date)s")) % {
                "date": ship_date(self.backorder_policy.release_date)
            }
        if code == self.CODE_BACKORDER:
            return str(_("Available on backorder — ships by %(date)s")) % {
                "date": ship_date(self.estimate.day)
            }
        return ngettext(
            "%(count)d in stock — further units ship by %(date)s",
            "%(count)d in stock — further units ship by %(date)s",
            self.net_stock,
        ) % {"count": self.net_stock, "date": ship_date(self.estimate.day)}

    def quantity_message(self, quantity: int) -> str:
        """What a basket line of ``quantity`` means: "2 ship now, 3 backordered — ships by …"."""
        from_stock, backordered = self.split(quantity)
        if not backordered:
            return str(_("In stock"))
        date_text = ship_date(self.estimate_for(quantity).day)
        if self.mode == PolicyMode.PREORDER:
            return ngettext(
                "%(count)d pre-ordered — ships on release, %(date)s",
                "%(count)d pre-ordered — ships on release, %(date)s",
                backordered,
            ) % {"count": backordered, "date": date_text}
        if not from_stock:
            return ngettext(
                "%(count)d backordered — ships by %(date)s",
                "%(count)d backordered — ships by %(date)s",
                backordered,
            ) % {"count": backordered, "date": date_text}
        return str(_("%(now)d ship now, %(later)d backordered — ships by %(date)s")) % {
            "now": from_stock,
            "later": backordered,
            "date": date_text,
        }


class BackorderLineAvailability(BackorderAvailability):
    """The availability of one basket line: its ``message`` speaks of the line's own quantity.

    Oscar's basket and checkout templates show ``availability.message`` for each line; for a line
    that message is "2 ship now, 3 backordered — ships by …" rather than the product's. The
    line's quantity is read when the message is rendered.
    """

    def __init__(self, base: BackorderAvailability, line: object) -> None:
        self.__dict__.update(base.__dict__)
        self.line = line

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        # Oscar's ``Basket.is_quantity_allowed(qty, line=line)`` asks a line's policy about the
        # *change* in quantity: 0 when the line is left as it is, negative when it is lowered.
        # Keeping or lowering what the basket already holds is always allowed; the resulting
        # total is judged by the positive quantities Oscar asks about next.
        if quantity < 1:
            return True, ""
        return super().is_purchase_permitted(quantity)

    @property
    def message(self) -> str:  # type: ignore[override]
        if self.code == self.CODE_OUT_OF_STOCK:
            return str(_("Unavailable"))
        text = self.quantity_message(getattr(self.line, "quantity", 1) or 1)
        limit = self.limit_message
        return str(_("%(state)s. %(left)s")) % {"state": text, "left": limit} if limit else text
