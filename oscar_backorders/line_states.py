"""Where the units of each order line are, as a customer should read them.

Built for a whole order (or a page of orders) in one query, reusing rows already prefetched; the
template tags of :mod:`oscar_backorders.templatetags.backorder_tags`, the order views and the
REST API all read these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import ngettext

from oscar_backorders.formatting import order_date as format_order_date


@dataclass(frozen=True, slots=True)
class LineState:
    """Where the units of one order line are, as a customer should read it."""

    line: Any
    quantity: int
    from_stock: int
    waiting: int = 0
    allocated: int = 0
    shipped: int = 0
    cancelled: int = 0
    estimated_date: date | None = None
    promised_date: date | None = None
    is_preorder: bool = False
    backorder_id: int | None = None

    @classmethod
    def of(cls, line: Any) -> LineState:
        backorder = _backorder_of(line)
        if backorder is None:
            return cls(line=line, quantity=line.quantity, from_stock=line.quantity)
        return cls(
            line=line,
            quantity=line.quantity,
            from_stock=max(line.quantity - backorder.quantity, 0),
            waiting=backorder.quantity_waiting,
            allocated=backorder.quantity_allocated,
            shipped=backorder.quantity_shipped,
            cancelled=backorder.quantity_cancelled,
            estimated_date=backorder.estimated_date,
            promised_date=backorder.promised_date,
            is_preorder=backorder.is_preorder,
            backorder_id=backorder.pk,
        )

    @property
    def is_backordered(self) -> bool:
        return self.backorder_id is not None

    @property
    def backordered(self) -> int:
        return self.waiting + self.allocated + self.shipped + self.cancelled

    @property
    def is_open(self) -> bool:
        """Some backordered units have neither shipped nor been cancelled."""
        return self.waiting + self.allocated > 0

    @property
    def can_cancel(self) -> bool:
        """The customer may still cancel the units that wait for stock."""
        return self.waiting > 0

    @property
    def is_delayed(self) -> bool:
        return bool(
            self.is_open
            and self.estimated_date
            and self.promised_date
            and self.estimated_date > self.promised_date
        )

    @property
    def estimate_text(self) -> str:
        return format_order_date(self.estimated_date)

    @property
    def parts(self) -> list[str]:
        """One short phrase per state that has units, in the order units move through them."""
        parts = []
        if self.from_stock:
            parts.append(
                ngettext("%(count)d from stock", "%(count)d from stock", self.from_stock)
                % {"count": self.from_stock}
            )
        if self.waiting:
            if self.is_preorder:
                text = ngettext(
                    "%(count)d pre-ordered — ships on release, %(date)s",
                    "%(count)d pre-ordered — ships on release, %(date)s",
                    self.waiting,
                )
            else:
                text = ngettext(
                    "%(count)d waiting for stock — ships by %(date)s",
                    "%(count)d waiting for stock — ships by %(date)s",
                    self.waiting,
                )
            parts.append(text % {"count": self.waiting, "date": self.estimate_text})
        if self.allocated:
            parts.append(
                ngettext("%(count)d ready to ship", "%(count)d ready to ship", self.allocated)
                % {"count": self.allocated}
            )
        if self.shipped:
            parts.append(
                ngettext(
                    "%(count)d shipped separately", "%(count)d shipped separately", self.shipped
                )
                % {"count": self.shipped}
            )
        if self.cancelled:
            parts.append(
                ngettext("%(count)d cancelled", "%(count)d cancelled", self.cancelled)
                % {"count": self.cancelled}
            )
        return parts

    @property
    def message(self) -> str:
        return "; ".join(self.parts)

    @property
    def later_message(self) -> str:
        """What ships later, for the confirmation: "2 of 5 on backorder — ships by 8 Dec"."""
        if not self.is_backordered:
            return ""
        if self.is_preorder:
            text = ngettext(
                "%(count)d of %(total)d pre-ordered — ships on release, %(date)s",
                "%(count)d of %(total)d pre-ordered — ships on release, %(date)s",
                self.backordered,
            )
        else:
            text = ngettext(
                "%(count)d of %(total)d on backorder — ships by %(date)s",
                "%(count)d of %(total)d on backorder — ships by %(date)s",
                self.backordered,
            )
        return text % {
            "count": self.backordered,
            "total": self.quantity,
            "date": self.estimate_text,
        }


@dataclass(frozen=True, slots=True)
class OrderBackorders:
    """What of one order is still to come, for the order history list.

    ``waiting`` counts backordered units waiting for stock, ``preordered`` pre-ordered units
    waiting for their release: a pre-order is not "waiting for stock" to the customer.
    """

    order: Any
    waiting: int
    allocated: int
    latest_estimate: date | None
    preordered: int = 0
    latest_release: date | None = None

    @property
    def message(self) -> str:
        parts = []
        if self.waiting:
            parts.append(
                ngettext(
                    "%(count)d item waiting for stock — ships by %(date)s",
                    "%(count)d items waiting for stock — ships by %(date)s",
                    self.waiting,
                )
                % {"count": self.waiting, "date": format_order_date(self.latest_estimate)}
            )
        if self.preordered:
            parts.append(
                ngettext(
                    "%(count)d item pre-ordered — ships on release, %(date)s",
                    "%(count)d items pre-ordered — ship on release, %(date)s",
                    self.preordered,
                )
                % {"count": self.preordered, "date": format_order_date(self.latest_release)}
            )
        if self.allocated:
            parts.append(
                ngettext(
                    "%(count)d item ready to ship",
                    "%(count)d items ready to ship",
                    self.allocated,
                )
                % {"count": self.allocated}
            )
        return "; ".join(parts)


def _backorder_of(line: Any) -> Any | None:
    try:
        return line.backorder
    except Exception:  # RelatedObjectDoesNotExist of whichever BackorderLine model is installed
        return None


def order_line_states(order: Any) -> list[LineState]:
    """The state of every line of ``order``: two queries at most, whatever the number of lines."""
    if order is None or not getattr(order, "pk", None):
        return []
    prefetch_related_objects([order], "lines__backorder")
    return [LineState.of(line) for line in order.lines.all()]


def orders_backorders(orders: Iterable[Any]) -> list[OrderBackorders]:
    """Open backorders of each order in ``orders`` that has any: one query for all of them."""
    orders = [o for o in orders if getattr(o, "pk", None)]
    if not orders:
        return []
    prefetch_related_objects(orders, "backorder_lines")
    result = []
    for order in orders:
        open_lines = [
            bl for bl in order.backorder_lines.all() if bl.quantity_waiting + bl.quantity_allocated
        ]
        if not open_lines:
            continue
        waiting = [bl for bl in open_lines if bl.quantity_waiting and not bl.is_preorder]
        preordered = [bl for bl in open_lines if bl.quantity_waiting and bl.is_preorder]
        result.append(
            OrderBackorders(
                order=order,
                waiting=sum(bl.quantity_waiting for bl in waiting),
                allocated=sum(bl.quantity_allocated for bl in open_lines),
                latest_estimate=max((bl.estimated_date for bl in waiting), default=None),
                preordered=sum(bl.quantity_waiting for bl in preordered),
                latest_release=max((bl.estimated_date for bl in preordered), default=None),
            )
        )
    return result
