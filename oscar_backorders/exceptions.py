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


class InvalidBackorderQuantity(BackorderError, ValueError):
    """A quantity was zero, negative or more than the line allows."""

    def __init__(self, message: str, *, quantity: int) -> None:
        self.quantity = quantity
        super().__init__(message)
