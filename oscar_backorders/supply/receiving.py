"""Receiving purchase-order lines: stock goes up, waiting lines get it, estimates follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.allocation import AllocationResult, allocate_free_stock
from oscar_backorders.estimates.service import EstimateChange, recompute
from oscar_backorders.exceptions import BackorderError, InvalidBackorderQuantity
from oscar_backorders.locks import lock_stockrecords
from oscar_backorders.supply.abstract_models import (
    INBOUND_STATUSES,
    PurchaseOrderLineStatus,
    PurchaseOrderStatus,
)
from oscar_backorders.supply.reliability import refresh_profiles


class ReceiptRefused(BackorderError, ValueError):
    """A receipt that cannot be recorded (too many units, a closed line)."""

    def __init__(self, message: str, *, purchase_order_line_id: int) -> None:
        self.purchase_order_line_id = purchase_order_line_id
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Receipt:
    purchase_order_line: Any
    quantity: int
    allocation: AllocationResult
    estimate_changes: list[EstimateChange]


def _lock_po_line(po_line_id: int) -> Any:
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    try:
        return (
            PurchaseOrderLine._default_manager.select_for_update(of=("self",))
            .select_related("purchase_order", "stockrecord")
            .get(pk=po_line_id)
        )
    except PurchaseOrderLine.DoesNotExist:
        raise PurchaseOrderLine.DoesNotExist(
            _("There is no purchase order line %(id)s.") % {"id": po_line_id}
        ) from None


@transaction.atomic
def receive_line(
    purchase_order_line_id: int,
    quantity: int,
    *,
    actor: Any | None = None,
    received_on: date | None = None,
) -> Receipt:
    """Record that ``quantity`` units of a purchase-order line arrived.

    Locks the stock record, then the purchase-order line (the plugin's lock order: stock
    records, then lines), refuses a quantity that is not a whole number ≥ 1 or more than is
    still outstanding, adds the units to ``num_in_stock`` with one ``UPDATE … F()``, allocates
    the free units to waiting lines in priority order and re-dates the stock record's waiting
    lines, all in one transaction.
    """
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    stockrecord_id = (
        PurchaseOrderLine._default_manager.filter(pk=purchase_order_line_id)
        .values_list("stockrecord_id", flat=True)
        .first()
    )
    if stockrecord_id is not None:
        lock_stockrecords([stockrecord_id])
    line = _lock_po_line(purchase_order_line_id)
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidBackorderQuantity(_("The quantity must be a whole number."), quantity=quantity)
    if quantity <= 0:
        raise InvalidBackorderQuantity(
            _("The quantity received must be at least 1 (got %(quantity)s).")
            % {"quantity": quantity},
            quantity=quantity,
        )
    if line.purchase_order.status == PurchaseOrderStatus.CANCELLED:
        raise ReceiptRefused(
            _("%(reference)s is cancelled; nothing can be received on it.")
            % {"reference": line.purchase_order.reference},
            purchase_order_line_id=line.pk,
        )
    if line.status not in INBOUND_STATUSES:
        raise ReceiptRefused(
            _("%(line)s is %(status)s; nothing more can be received on it.")
            % {"line": line, "status": line.get_status_display().lower()},
            purchase_order_line_id=line.pk,
        )
    outstanding = line.quantity - line.quantity_received
    if quantity > outstanding:
        raise ReceiptRefused(
            _(
                "Only %(outstanding)d of %(line)s are still expected; receiving %(quantity)d "
                "would be more than was ordered."
            )
            % {"outstanding": outstanding, "line": line, "quantity": quantity},
            purchase_order_line_id=line.pk,
        )
    line.quantity_received += quantity
    line.status = (
        PurchaseOrderLineStatus.RECEIVED
        if line.quantity_received == line.quantity
        else PurchaseOrderLineStatus.PARTIAL
    )
    line.date_last_received = received_on or timezone.localdate()
    line._backorders_skip_redate = True  # re-dated below, in this transaction
    line.save(update_fields=["quantity_received", "status", "date_last_received", "date_updated"])

    stockrecord = line.stockrecord
    StockRecord = get_model("partner", "StockRecord")
    stockrecord.pre_save_signal()
    StockRecord._default_manager.filter(pk=stockrecord.pk).update(
        num_in_stock=F("num_in_stock") + quantity
    )
    stockrecord.refresh_from_db(fields=["num_in_stock", "num_allocated"])
    # Oscar's receivers (e.g. product alerts) see the new level; ours need not allocate again.
    stockrecord._backorders_allocated_in_stock = stockrecord.num_in_stock
    stockrecord.post_save_signal()

    order = line.purchase_order
    status = (
        PurchaseOrderStatus.OPEN
        if order.lines.filter(status__in=INBOUND_STATUSES).exists()
        else PurchaseOrderStatus.RECEIVED
    )
    if order.status != status:
        order.status = status
        order._backorders_skip_redate = True
        order.save(update_fields=["status", "date_updated"])

    why = _("%(reference)s: %(quantity)d received") % {
        "reference": order.reference,
        "quantity": quantity,
    }
    allocation = allocate_free_stock([stockrecord.pk], reason=why, actor=actor)
    if line.status == PurchaseOrderLineStatus.RECEIVED:
        refresh_profiles()  # one more delivery to learn the supplier's lateness from
    changes = recompute([stockrecord.pk], reason=why)
    return Receipt(line, quantity, allocation, changes)


@transaction.atomic
def cancel_line(purchase_order_line_id: int, *, actor: Any | None = None) -> Any:
    """Stop expecting what is still outstanding on a purchase-order line; re-date its stock."""
    line = _lock_po_line(purchase_order_line_id)
    if line.status not in INBOUND_STATUSES:
        raise ReceiptRefused(
            _("%(line)s is already closed.") % {"line": line},
            purchase_order_line_id=line.pk,
        )
    line.status = (
        PurchaseOrderLineStatus.RECEIVED
        if line.quantity_received
        else PurchaseOrderLineStatus.CANCELLED
    )
    line._backorders_skip_redate = True
    line.save(update_fields=["status", "date_updated"])
    recompute(
        [line.stockrecord_id],
        reason=_("%(reference)s: line cancelled") % {"reference": line.purchase_order.reference},
    )
    return line
