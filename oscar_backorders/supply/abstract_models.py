"""Abstract models of inbound supply: suppliers, what they supply, purchase orders and lines.

Thin, as everywhere in the plugin: receiving, importing and dating live in
:mod:`oscar_backorders.supply.receiving`, :mod:`~.imports` and the estimates service.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AbstractSupplier(models.Model):
    name = models.CharField(_("name"), max_length=128)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    email = models.EmailField(_("email"), blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        _("usual lead time (business days)"),
        null=True,
        blank=True,
        help_text=_("Used for reorder points until the supplier has a delivery history."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    lateness_profile = models.JSONField(
        _("lateness profile"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("How late deliveries run, learnt from the history (docs/supply.md)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    date_created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class AbstractSupplierStockRecord(models.Model):
    """A supplier that can supply a stock record; several suppliers are alternatives."""

    supplier = models.ForeignKey(
        "oscar_backorders.Supplier",
        on_delete=models.CASCADE,
        related_name="supplied_stockrecords",
        verbose_name=_("supplier"),
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord",
        on_delete=models.CASCADE,
        related_name="suppliers",
        verbose_name=_("stock record"),
    )
    supplier_sku = models.CharField(_("supplier's SKU"), max_length=128, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (business days)"), null=True, blank=True
    )
    is_preferred = models.BooleanField(_("preferred"), default=False)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("supplier of a stock record")
        verbose_name_plural = _("suppliers of stock records")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "stockrecord"], name="supplier_stockrecord_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.stockrecord}"


class PurchaseOrderStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("purchase order status", "Open")
    RECEIVED = "received", pgettext_lazy("purchase order status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("purchase order status", "Cancelled")


class AbstractPurchaseOrder(models.Model):
    supplier = models.ForeignKey(
        "oscar_backorders.Supplier",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PurchaseOrderStatus.choices,
        default=PurchaseOrderStatus.OPEN,
        db_index=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def __str__(self) -> str:
        return f"{self.reference} ({self.supplier})"


class PurchaseOrderLineStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("purchase order line status", "Expected")
    PARTIAL = "partial", pgettext_lazy("purchase order line status", "Partly received")
    RECEIVED = "received", pgettext_lazy("purchase order line status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("purchase order line status", "Cancelled")


#: Statuses whose outstanding units count as inbound supply.
INBOUND_STATUSES = (PurchaseOrderLineStatus.OPEN, PurchaseOrderLineStatus.PARTIAL)


class AbstractPurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        "oscar_backorders.PurchaseOrder",
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("purchase order"),
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord",
        on_delete=models.PROTECT,
        related_name="purchase_order_lines",
        verbose_name=_("stock record"),
    )
    quantity = models.PositiveIntegerField(_("quantity ordered"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    expected_date = models.DateField(_("expected arrival"), db_index=True)
    first_expected_date = models.DateField(
        _("first expected arrival"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The expected arrival when the line was created; lateness is measured from it."
        ),
    )
    confirmed_date = models.DateField(_("arrival confirmed by the supplier"), null=True, blank=True)
    first_confirmed_date = models.DateField(
        _("first arrival confirmed"), null=True, blank=True, editable=False
    )
    date_confirmed = models.DateTimeField(
        _("confirmation received"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PurchaseOrderLineStatus.choices,
        default=PurchaseOrderLineStatus.OPEN,
        db_index=True,
    )
    date_last_received = models.DateField(_("last received"), null=True, blank=True)
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["expected_date", "pk"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="purchase_order_line_quantity_positive",
                violation_error_message=_("The quantity ordered must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity")),
                name="purchase_order_line_received_within_ordered",
                violation_error_message=_("More cannot be received than was ordered."),
            ),
        ]
        indexes = [models.Index(fields=["stockrecord", "status"])]

    def __str__(self) -> str:
        return _("%(quantity)d × %(sku)s on %(reference)s") % {
            "quantity": self.quantity,
            "sku": self.stockrecord.partner_sku if self.stockrecord_id else "?",
            "reference": self.purchase_order.reference if self.purchase_order_id else "?",
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Lateness is measured from the first dates, so a slip entered before arrival still
        # counts against the supplier (docs/supply.md).
        if self.first_expected_date is None:
            self.first_expected_date = self.expected_date
        if self.first_confirmed_date is None and self.confirmed_date is not None:
            self.first_confirmed_date = self.confirmed_date
        super().save(*args, **kwargs)

    @property
    def quantity_outstanding(self) -> int:
        if self.status not in INBOUND_STATUSES:
            return 0
        return self.quantity - self.quantity_received
