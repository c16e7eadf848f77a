"""Row locks of the payments side (the plugin's other locks are in :mod:`oscar_backorders.locks`).

Lock order, so no two payment flows wait on each other in a cycle: capture or release row →
backordered line → order → authorisation → Oscar payment source. Shipping a part of an order
(:func:`~oscar_backorders.payments.shipping.plan_shipment`) and recording a cancellation's
release both take the order's lock, which serialises everything that reserves an order's units.
"""

from __future__ import annotations

from typing import Any

from oscar.core.loading import get_model


def lock_order(order_id: int) -> Any | None:
    """``SELECT … FOR UPDATE`` one order (``None`` when there is no such order)."""
    Order = get_model("order", "Order")
    return Order._default_manager.select_for_update(of=("self",)).filter(pk=order_id).first()


def lock_capture(capture_id: int) -> Any:
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    return (
        PaymentCapture._default_manager.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=capture_id)
    )


def lock_release(release_id: int) -> Any:
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    return (
        PaymentRelease._default_manager.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=release_id)
    )


def lock_authorisation(authorisation_id: int) -> Any:
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    return PaymentAuthorisation._default_manager.select_for_update().get(pk=authorisation_id)


def lock_source(source_id: int) -> Any:
    """Oscar's ``Source.debit``/``allocate`` read-modify-write: lock the row first."""
    Source = get_model("payment", "Source")
    return Source._default_manager.select_for_update().get(pk=source_id)
