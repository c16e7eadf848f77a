"""Errors of the payments flow (gateway errors are in :mod:`.gateways.exceptions`)."""

from __future__ import annotations

from typing import Any

from oscar_backorders.exceptions import BackorderError


class PaymentRefused(BackorderError, ValueError):
    """A payments request was refused before any money moved; the message says why.

    ``order_id`` and ``line_id`` name what was refused, when known.
    """

    def __init__(self, message: str, *, order_id: int | None = None, line_id: Any = None) -> None:
        self.order_id = order_id
        self.line_id = line_id
        super().__init__(message)


class ShipmentRefused(PaymentRefused):
    """A shipment was refused: bad quantities, lines of another order, units still waiting."""


class NoAuthorisation(PaymentRefused):
    """The order has no authorisation the plugin can capture from."""
