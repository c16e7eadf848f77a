"""Abstract models of oscar_backorders.

Models are thin: fields, constraints, statuses and ``__str__``. State transitions live in the
service modules (``placement``, ``lines``); nothing here imports a service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from oscar_backorders.choices import (
    BackorderEventKind,
    BackorderStatus,
    EstimateSource,
    PolicyMode,
)


class AbstractBackorderPolicy(models.Model):
    """Whether and how a stock record (or, as a default, a partner) sells beyond its stock.

    Exactly one of ``stockrecord`` and ``partner`` is set. A stock record's own policy wins over its
    partner's, which wins over ``BACKORDERS_DEFAULT_MODE``; ``inherit`` and empty fields fall
    through to the next level (see ``oscar_backorders.policy``).
    """

    stockrecord = models.OneToOneField(
        "partner.StockRecord",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="backorder_policy",
        verbose_name=_("stock record"),
    )
    partner = models.OneToOneField(
        "partner.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="backorder_policy",
        verbose_name=_("partner"),
    )
    mode = models.CharField(
        _("backorders"), max_length=16, choices=PolicyMode.choices, default=PolicyMode.INHERIT
    )
    cap = models.PositiveIntegerField(
        _("backorder cap"),
        null=True,
        blank=True,
        help_text=_(
            "Most units that may wait on backorder at once for this stock record. "
            "Empty means no cap."
        ),
    )
    order_cap = models.PositiveIntegerField(
        _("backorder limit per order"),
        null=True,
        blank=True,
        help_text=_(
            "Most units of this stock record one order may take on backorder. Empty means no limit."
        ),
    )
    customer_cap = models.PositiveIntegerField(
        _("backorder limit per customer"),
        null=True,
        blank=True,
        help_text=_(
            "Most units of this stock record one customer (an account, or an email address for "
            "guests) may have on backorder and not yet shipped or cancelled. Empty means no limit."
        ),
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (business days)"),
        null=True,
        blank=True,
        help_text=_(
            "Business days until a backordered unit can ship when nothing better is known."
        ),
    )
    release_date = models.DateField(
        _("release date"),
        null=True,
        blank=True,
        help_text=_("For pre-orders: the day the product is released and can ship."),
    )
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("backorder policy")
        verbose_name_plural = _("backorder policies")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(stockrecord__isnull=False, partner__isnull=True)
                    | Q(stockrecord__isnull=True, partner__isnull=False)
                ),
                name="backorder_policy_one_owner",
                violation_error_message=_("A policy belongs to a stock record or to a partner."),
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gt=0),
                name="backorder_policy_cap_positive",
                violation_error_message=_("The backorder cap must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(order_cap__isnull=True) | Q(order_cap__gt=0),
                name="backorder_policy_order_cap_positive",
                violation_error_message=_("The backorder limit per order must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(customer_cap__isnull=True) | Q(customer_cap__gt=0),
                name="backorder_policy_customer_cap_positive",
                violation_error_message=_("The backorder limit per customer must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(lead_time_days__isnull=True) | Q(lead_time_days__gt=0),
                name="backorder_policy_lead_time_positive",
                violation_error_message=_("The lead time must be at least 1 business day."),
            ),
            models.CheckConstraint(
                condition=~Q(mode="preorder") | Q(release_date__isnull=False),
                name="backorder_policy_preorder_has_release_date",
                violation_error_message=_("A pre-order needs a release date."),
            ),
        ]

    def __str__(self) -> str:
        owner = self.stockrecord if self.stockrecord_id else self.partner
        return f"{owner}: {self.get_mode_display()}"


class AbstractCustomerLock(models.Model):
    """One row per customer who ordered something under a per-customer backorder limit.

    Placement locks it (``oscar_backorders.locks.lock_customer``) so that one customer's
    concurrent orders count each other's backordered units; it holds nothing else. ``key`` is
    ``user:<id>`` for an account, ``email:<address, lower case>`` for a guest.
    """

    key = models.CharField(_("customer"), max_length=300, unique=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("customer placement lock")
        verbose_name_plural = _("customer placement locks")

    def __str__(self) -> str:
        return self.key


class AbstractBackorderLine(models.Model):
    """The backordered part of one order line, stored apart from its in-stock part.

    ``quantity`` is how many units of the line were beyond free stock at placement. They then
    move, unit by unit, from waiting to allocated (stock arrived for them), to shipped, or to
    cancelled; ``status`` is kept equal to :meth:`derived_status` by the services.
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        related_name="backorder_lines",
        verbose_name=_("order"),
    )
    line = models.OneToOneField(
        "order.Line",
        on_delete=models.CASCADE,
        related_name="backorder",
        verbose_name=_("order line"),
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backorder_lines",
        verbose_name=_("stock record"),
    )
    quantity = models.PositiveIntegerField(_("backordered quantity"))
    quantity_allocated = models.PositiveIntegerField(_("allocated, not yet shipped"), default=0)
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BackorderStatus.choices,
        default=BackorderStatus.WAITING,
        db_index=True,
    )
    is_preorder = models.BooleanField(_("pre-order"), default=False)
    promised_date = models.DateField(_("date promised at checkout"))
    estimated_date = models.DateField(
        _("date promised now"),
        db_index=True,
        help_text=_(
            "The ship date the customer is promised now: the checkout promise, or its last "
            "revision."
        ),
    )
    likely_date = models.DateField(
        _("most likely ship date"),
        null=True,
        blank=True,
        help_text=_("The merchant's expected date: half of the chances before, half after."),
    )
    miss_risk = models.FloatField(
        _("chance of missing the promise"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("From 0 to 1, as of the last recompute."),
    )
    promise_confidence = models.FloatField(
        _("confidence of the promise"),
        null=True,
        blank=True,
        help_text=_("The chance of keeping it the promise was made with."),
    )
    told_date = models.DateField(
        _("date last told to the customer"),
        null=True,
        blank=True,
        help_text=_("Empty: the date promised at checkout."),
    )
    estimate_source = models.CharField(
        _("estimated from"),
        max_length=16,
        choices=EstimateSource.choices,
        default=EstimateSource.LEAD_TIME,
    )
    priority = models.IntegerField(
        _("priority"),
        default=0,
        help_text=_("Higher is served first when stock arrives; ties go by order date."),
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("backordered line")
        verbose_name_plural = _("backordered lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="backorder_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(
                    quantity__gte=F("quantity_allocated")
                    + F("quantity_shipped")
                    + F("quantity_cancelled")
                ),
                name="backorder_line_quantities_add_up",
            ),
        ]
        indexes = [
            models.Index(fields=["stockrecord", "status"]),
            # The admin queue's order; with status last, a page of it is an index-only scan.
            models.Index(
                fields=["-priority", "date_created", "id", "status"], name="backorder_queue_idx"
            ),
        ]
        # The merchant console's admin actions and reports, each behind its own permission.
        permissions = [
            ("set_backorder_estimate", _("Can set or shift the estimate of backordered lines")),
            ("change_backorder_priority", _("Can change the priority of backordered lines")),
            ("cancel_backorder_units", _("Can cancel waiting backordered units")),
            ("allocate_backorder_stock", _("Can allocate free stock to backordered lines")),
            ("ship_backorder_units", _("Can ship backordered units and capture payment")),
            ("view_backorder_reports", _("Can view backorder reports")),
        ]

    def __str__(self) -> str:
        return _("%(quantity)d × %(title)s on order %(number)s") % {
            "quantity": self.quantity,
            "title": self.line.title if self.line_id else "?",
            "number": self.order.number if self.order_id else "?",
        }

    @property
    def quantity_waiting(self) -> int:
        """Units still waiting for stock."""
        return (
            self.quantity
            - self.quantity_allocated
            - self.quantity_shipped
            - self.quantity_cancelled
        )

    @property
    def quantity_open(self) -> int:
        """Units not yet shipped nor cancelled (waiting or allocated)."""
        return self.quantity - self.quantity_shipped - self.quantity_cancelled

    def derived_status(self) -> str:
        if self.quantity_waiting > 0:
            return BackorderStatus.WAITING
        if self.quantity_allocated > 0:
            return BackorderStatus.ALLOCATED
        if self.quantity_shipped > 0:
            return BackorderStatus.SHIPPED
        return BackorderStatus.CANCELLED


class AbstractBackorderEvent(models.Model):
    """Append-only audit trail: one row for every state change of a backordered line."""

    backorder_line = models.ForeignKey(
        "oscar_backorders.BackorderLine",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("backordered line"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=BackorderEventKind.choices)
    quantity = models.IntegerField(_("quantity"), null=True, blank=True)
    old_date = models.DateField(_("old date"), null=True, blank=True)
    new_date = models.DateField(_("new date"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    date_created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("backorder event")
        verbose_name_plural = _("backorder events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.date_created:%Y-%m-%d %H:%M})"


class AbstractReleasedAllocation(models.Model):
    """Stock allocation of backordered units given back to Oscar before uninstalling the plugin.

    Written only by :func:`oscar_backorders.uninstall.release_backorder_allocations`, one row per
    backordered line and run that changed something: ``quantity`` units came off the stock
    record's ``num_allocated`` (waiting units with no stock behind them) and ``line_quantity``
    off the order line's ``num_allocated`` (those units, and cancelled units Oscar's line still
    counted). A later run subtracts what these rows say was done, so nothing is released twice.
    """

    backorder_line = models.ForeignKey(
        "oscar_backorders.BackorderLine",
        on_delete=models.CASCADE,
        related_name="released_allocations",
        verbose_name=_("backordered line"),
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stock record"),
    )
    quantity = models.PositiveIntegerField(_("units released from the stock record"))
    line_quantity = models.PositiveIntegerField(_("units released from the order line"))
    date_created = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("released allocation")
        verbose_name_plural = _("released allocations")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(line_quantity__gt=0),
                name="released_allocation_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return _("%(quantity)d unit(s) released from backordered line %(id)s") % {
            "quantity": self.quantity,
            "id": self.backorder_line_id,
        }
