"""Exceptions raised by oscar_backorders.

One base, :class:`BackorderError`; each subclass also inherits the builtin that fits, carries its
context as attributes and builds its own message. Configuration errors subclass
``ImproperlyConfigured`` and stay outside the base so nothing swallows them.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder


class BackorderError(Exception):
    """Base of every error the plugin raises on purpose."""


class BackorderConfigurationError(ImproperlyConfigured):
    """A setting is missing or wrong; the message names the setting."""


class BackorderCapExceeded(BackorderError, UnableToPlaceOrder):
    """An order line would take a stock record beyond its backorder cap.

    Subclasses Oscar's ``UnableToPlaceOrder`` so the checkout shows the message and restores the
    basket instead of failing with a server error.
    """

    def __init__(self, *, product_title: str, requested: int, orderable: int) -> None:
        self.product_title = product_title
        self.requested = requested
        self.orderable = max(orderable, 0)
        super().__init__(
            _(
                "Only %(orderable)d of '%(title)s' can be ordered now (you asked for "
                "%(requested)d). Please reduce the quantity in your basket."
            )
            % {"orderable": self.orderable, "title": product_title, "requested": requested}
        )


class BackorderLimitExceeded(BackorderCapExceeded):
    """An order would backorder more of a product than one order, or one customer, may.

    ``limit`` is ``"order"`` (the policy's ``order_cap``) or ``"customer"`` (its
    ``customer_cap``, counting the ``waiting`` units the customer already has on backorder);
    ``cap`` is that limit's value, ``backordered`` what this order would have backordered and
    ``orderable`` the most of the line the customer can order now.
    """

    ORDER = "order"
    CUSTOMER = "customer"

    def __init__(
        self,
        *,
        product_title: str,
        requested: int,
        orderable: int,
        limit: str,
        cap: int,
        backordered: int,
        waiting: int = 0,
    ) -> None:
        self.product_title = product_title
        self.requested = requested
        self.orderable = max(orderable, 0)
        self.limit = limit
        self.cap = cap
        self.backordered = backordered
        self.waiting = waiting
        values = {
            "cap": cap,
            "title": product_title,
            "waiting": waiting,
            "more": max(cap - waiting, 0),
            "orderable": self.orderable,
        }
        if limit == self.ORDER:
            message = _(
                "At most %(cap)d of '%(title)s' can be ordered on backorder in one order. Only "
                "%(orderable)d can be ordered now: please reduce the quantity in your basket."
            )
        else:
            message = _(
                "At most %(cap)d of '%(title)s' can wait on backorder for one customer and you "
                "have %(waiting)d waiting, so you can order at most %(more)d more on backorder. "
                "Only %(orderable)d can be ordered now: please reduce the quantity in your basket."
            )
        UnableToPlaceOrder.__init__(self, message % values)


class InvalidBackorderQuantity(BackorderError, ValueError):
    """A quantity was zero, negative or more than the line allows."""

    def __init__(self, message: str, *, quantity: int) -> None:
        self.quantity = quantity
        super().__init__(message)
