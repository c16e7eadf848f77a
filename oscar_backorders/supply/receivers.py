"""Put new stock to work and keep estimates current, whatever changed it.

Connected in :meth:`oscar_backorders.apps.BackordersConfig.ready`. Everything here runs after
commit (``transaction.on_commit(..., robust=True)``: a failure is logged, never turned into an
error for the request that committed):

- a stock record saved with more ``num_in_stock`` than it was loaded with (Oscar's dashboard,
  the admin, code calling ``save()``) → allocate its free units, re-date its waiting lines;
- ``backorder_cancelled`` → the cancelled units' stock (if they had any) goes to the next line;
  the lines behind move up;
- ``backorder_placed``, a manual priority change, a purchase order or line created, edited or
  deleted → re-date the stock records concerned.

``QuerySet.update()`` sends no signal: code that raises stock that way calls
:func:`oscar_backorders.allocation.allocate_free_stock` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.abstract_models import BackorderEventKind

_LOADED = "_backorders_allocated_in_stock"


def put_stock_to_work(stockrecord_ids: Iterable[int], *, reason: str) -> None:
    """Allocate free units of ``stockrecord_ids`` and re-date their waiting lines (now)."""
    from oscar_backorders.allocation import allocate_free_stock
    from oscar_backorders.estimates.service import recompute

    ids = sorted({pk for pk in stockrecord_ids if pk})
    if not ids:
        return
    with transaction.atomic():
        allocate_free_stock(ids, reason=reason)
        recompute(ids, reason=reason)


def redate(stockrecord_ids: Iterable[int], *, reason: str) -> None:
    from oscar_backorders.estimates.service import recompute

    ids = sorted({pk for pk in stockrecord_ids if pk})
    if ids:
        recompute(ids, reason=reason)


def redate_after_commit(stockrecord_ids: Iterable[int], *, reason: str) -> None:
    """Re-date the waiting lines of ``stockrecord_ids`` once the transaction commits."""
    _after_commit(redate, stockrecord_ids, reason)


def _after_commit(func: Any, stockrecord_ids: Iterable[int], reason: str) -> None:
    transaction.on_commit(partial(func, list(stockrecord_ids), reason=reason), robust=True)


def remember_stock_level(sender: Any, instance: Any, **kwargs: Any) -> None:
    # __dict__: a deferred field must not cost a query per instance.
    instance.__dict__[_LOADED] = instance.__dict__.get("num_in_stock")


def stock_level_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    before = instance.__dict__.get(_LOADED)
    now = instance.__dict__.get("num_in_stock")
    instance.__dict__[_LOADED] = now
    if created or now is None or (before is not None and now <= before):
        return
    _after_commit(put_stock_to_work, [instance.pk], _("stock level raised to %(n)d") % {"n": now})


def backorder_cancelled(sender: Any, backorder_line: Any, quantity: int, **kwargs: Any) -> None:
    reason = _("%(quantity)d unit(s) cancelled on order %(number)s") % {
        "quantity": quantity,
        "number": backorder_line.order.number,
    }
    _after_commit(put_stock_to_work, [backorder_line.stockrecord_id], reason)


def backorder_placed(sender: Any, order: Any, backorder_lines: Any, **kwargs: Any) -> None:
    ids = [line.stockrecord_id for line in backorder_lines]
    _after_commit(redate, ids, _("order %(number)s placed") % {"number": order.number})


def event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and instance.kind == BackorderEventKind.PRIORITY_CHANGED:
        stockrecord_id = (
            get_model("oscar_backorders", "BackorderLine")
            ._default_manager.filter(pk=instance.backorder_line_id)
            .values_list("stockrecord_id", flat=True)
            .first()
        )
        _after_commit(redate, [stockrecord_id], _("priority changed"))


def purchase_order_line_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_backorders_skip_redate", False):
        return
    if kwargs.get("created") and instance.status in ("open", "partial"):
        # A line added to a purchase order that was fully received opens it again.
        type(instance.purchase_order)._default_manager.filter(
            pk=instance.purchase_order_id, status="received"
        ).update(status="open")
    reference = getattr(instance.purchase_order, "reference", "")
    _after_commit(redate, [instance.stockrecord_id], _("%(ref)s changed") % {"ref": reference})


def purchase_order_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created or getattr(instance, "_backorders_skip_redate", False):
        return
    ids = list(instance.lines.values_list("stockrecord_id", flat=True))
    _after_commit(redate, ids, _("%(ref)s changed") % {"ref": instance.reference})


def connect() -> None:
    StockRecord = get_model("partner", "StockRecord")
    PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
    uid = "oscar_backorders.supply"
    post_init.connect(remember_stock_level, sender=StockRecord, dispatch_uid=f"{uid}.init")
    post_save.connect(stock_level_saved, sender=StockRecord, dispatch_uid=f"{uid}.stock")
    signals.backorder_cancelled.connect(backorder_cancelled, dispatch_uid=f"{uid}.cancelled")
    signals.backorder_placed.connect(backorder_placed, dispatch_uid=f"{uid}.placed")
    post_save.connect(event_saved, sender=BackorderEvent, dispatch_uid=f"{uid}.event")
    post_save.connect(
        purchase_order_line_changed, sender=PurchaseOrderLine, dispatch_uid=f"{uid}.pol"
    )
    post_delete.connect(
        purchase_order_line_changed, sender=PurchaseOrderLine, dispatch_uid=f"{uid}.pol_del"
    )
    post_save.connect(purchase_order_changed, sender=PurchaseOrder, dispatch_uid=f"{uid}.po")
