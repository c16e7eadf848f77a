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
    # Both set: suggested orders are the economic order quantity (docs/supply.md); else the
    # order covers BACKORDERS_ORDER_COVER_DAYS of demand.
    order_cost = models.DecimalField(
        _("cost per order"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What placing one purchase order costs, whatever its size."),
    )
    holding_cost = models.DecimalField(
        _("holding cost per unit per year"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "What keeping one unit in stock for a year costs (storage, capital, shrinkage). "
            "With a cost per order, suggested orders use the economic order quantity."
        ),
    )

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("supplier of a stock record")
        verbose_name_plural = _("suppliers of stock records")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "stockrecord"], name="supplier_stockrecord_unique"
            ),
            models.CheckConstraint(
                condition=Q(order_cost__isnull=True) | Q(order_cost__gt=0),
                name="supplier_stockrecord_order_cost_positive",
                violation_error_message=_("The cost per order must be more than 0."),
            ),
            models.CheckConstraint(
                condition=Q(holding_cost__isnull=True) | Q(holding_cost__gt=0),
                name="supplier_stockrecord_holding_cost_positive",
                violation_error_message=_("The holding cost must be more than 0."),
            ),
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


class PromotionKind(models.TextChoices):
    PROMOTION = "promotion", pgettext_lazy("promotion kind", "Promotion")
    FLASH_SALE = "flash_sale", pgettext_lazy("promotion kind", "Flash sale")
    LAUNCH = "launch", pgettext_lazy("promotion kind", "Launch")


class AbstractPromotion(models.Model):
    """Days a product (or every product of a category) is expected to sell more.

    The forecast (``supply/forecast.py``) divides the uplift out of past demand and adds it to
    the days to come, so reorder points rise before the surge, not after it.
    """

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PromotionKind.choices, default=PromotionKind.PROMOTION
    )
    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Every product in this category or below it."),
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    uplift_percent = models.PositiveIntegerField(
        _("expected uplift (%)"),
        help_text=_("How much more than usual is expected to sell: 150 means 2.5 times as much."),
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-start_date", "pk"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, category__isnull=True)
                | Q(product__isnull=True, category__isnull=False),
                name="promotion_product_or_category",
                violation_error_message=_("Choose a product or a category, not both."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="promotion_ends_after_it_starts",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]
        indexes = [models.Index(fields=["end_date", "start_date"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d})"


class AbstractDemandForecast(models.Model):
    """The latest forecast of a stock record, kept by ``check_reorder_points`` (daily) so the
    cap to inbound supply can read it without forecasting on a product page."""

    stockrecord = models.OneToOneField(
        "partner.StockRecord",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("stock record"),
    )
    lead_time_demand = models.PositiveIntegerField(_("demand expected over the lead time"))
    reorder_point = models.PositiveIntegerField(_("reorder point"))
    method = models.CharField(_("method"), max_length=16)
    date_computed = models.DateTimeField(_("computed"))

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("demand forecast")
        verbose_name_plural = _("demand forecasts")

    def __str__(self) -> str:
        return f"{self.stockrecord_id}: {self.lead_time_demand}"
