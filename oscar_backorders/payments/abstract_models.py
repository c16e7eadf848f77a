"""Abstract models of the payments side: what was authorised, captured and released.

They sit beside Oscar's own payment records, which stay the shop's view of the money: every
authorisation has its Oscar ``payment.Source`` (``amount_allocated``, ``amount_debited``,
``amount_refunded`` and their ``Transaction``\\s), and every capture or release its Oscar
``order.PaymentEvent`` with the line quantities it paid for. These models add what Oscar has no
place for: the provider's references, the capture deadline, idempotency keys, and the state of a
capture or release that has not yet succeeded.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ZERO = Decimal("0.00")


class AuthorisationStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("authorisation status", "Active")
    CLOSED = "closed", pgettext_lazy("authorisation status", "Closed")
    REPLACED = "replaced", pgettext_lazy("authorisation status", "Replaced by a new one")
    EXPIRED = "expired", pgettext_lazy("authorisation status", "Expired")
    NEEDS_CUSTOMER = (
        "needs_customer",
        pgettext_lazy("authorisation status", "Waiting for the customer to confirm payment"),
    )


class AbstractPaymentAuthorisation(models.Model):
    """Money held on the customer's payment method for an order, not yet debited.

    ``amount - amount_captured - amount_released`` is what can still be captured. A re-authorised
    order has several rows: the old one ``replaced``, the new one ``active``.
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        related_name="backorder_authorisations",
        verbose_name=_("order"),
    )
    source = models.ForeignKey(
        "payment.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment source"),
    )
    gateway = models.CharField(_("gateway"), max_length=64)
    reference = models.CharField(_("provider reference"), max_length=255)
    payment_method = models.CharField(_("stored payment method"), max_length=255, blank=True)
    currency = models.CharField(_("currency"), max_length=12)
    amount = models.DecimalField(_("authorised"), max_digits=12, decimal_places=2)
    amount_captured = models.DecimalField(
        _("captured"), max_digits=12, decimal_places=2, default=ZERO
    )
    amount_released = models.DecimalField(
        _("released"), max_digits=12, decimal_places=2, default=ZERO
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AuthorisationStatus.choices,
        default=AuthorisationStatus.ACTIVE,
        db_index=True,
    )
    expires_at = models.DateTimeField(_("capture deadline"), null=True, blank=True, db_index=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-pk"]
        verbose_name = _("payment authorisation")
        verbose_name_plural = _("payment authorisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount_captured__gte=0) & Q(amount_released__gte=0),
                name="payment_authorisation_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("amount_captured") + F("amount_released")),
                name="payment_authorisation_never_beyond_amount",
            ),
            models.UniqueConstraint(
                fields=["gateway", "reference"], name="payment_authorisation_unique_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference} ({self.amount} {self.currency})"

    @property
    def amount_remaining(self) -> Decimal:
        """What can still be captured or released."""
        return self.amount - self.amount_captured - self.amount_released


class CaptureStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("capture status", "Pending")
    CAPTURED = "captured", pgettext_lazy("capture status", "Captured")
    FAILED = "failed", pgettext_lazy("capture status", "Failed, shipment held")
    ABANDONED = "abandoned", pgettext_lazy("capture status", "Abandoned")


class AbstractPaymentCapture(models.Model):
    """One shipment's capture: the line quantities shipped and the money they are worth.

    Written (``pending``) before the provider is called, so its idempotency key exists before any
    money can move; the shipment is recorded in Oscar (shipping event, stock consumed) only once
    the capture succeeded. ``sequence`` numbers an order's shipments; the key is derived from it,
    so a retry after a crash or timeout reuses the key and the provider cannot capture twice.
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        related_name="backorder_captures",
        verbose_name=_("order"),
    )
    authorisation = models.ForeignKey(
        "oscar_backorders.PaymentAuthorisation",
        on_delete=models.PROTECT,
        related_name="captures",
        verbose_name=_("authorisation"),
    )
    sequence = models.PositiveIntegerField(_("shipment number"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=12)
    #: ``{"<order line id>": quantity}``: everything this shipment ships.
    line_quantities = models.JSONField(_("line quantities"))
    #: ``{"<order line id>": quantity}``: the part of it that was backordered.
    backorder_quantities = models.JSONField(_("backordered quantities"), default=dict)
    includes_shipping = models.BooleanField(_("includes the shipping charge"), default=False)
    #: The order's last capture: nothing is left to ship after it, so the provider is told to
    #: release the rest of the authorisation with it.
    final = models.BooleanField(_("last capture of the order"), default=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CaptureStatus.choices,
        default=CaptureStatus.PENDING,
        db_index=True,
    )
    reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    #: The last attempt may have moved money (a timeout, or money taken but the shipment could
    #: not be recorded): retry only with the same key against the same authorisation.
    outcome_unknown = models.BooleanField(_("money may have moved"), default=False)
    shipping_event = models.OneToOneField(
        "order.ShippingEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backorder_capture",
        verbose_name=_("shipping event"),
    )
    payment_event = models.OneToOneField(
        "order.PaymentEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backorder_capture",
        verbose_name=_("payment event"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_captured = models.DateTimeField(_("captured"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["order", "sequence"]
        verbose_name = _("payment capture")
        verbose_name_plural = _("payment captures")
        # Admin actions that move money, each behind its own permission.
        permissions = [
            ("retry_payment_capture", _("Can retry a held payment capture")),
            ("abandon_payment_capture", _("Can abandon a held payment capture")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sequence"], name="payment_capture_one_per_shipment"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_capture_amount"),
        ]

    def __str__(self) -> str:
        return _("Shipment %(sequence)d of order %(number)s: %(amount)s %(currency)s") % {
            "sequence": self.sequence,
            "number": self.order.number if self.order_id else "?",
            "amount": self.amount,
            "currency": self.currency,
        }


class ReleaseKind(models.TextChoices):
    VOID = "void", _("Authorisation released")
    REFUND = "refund", _("Refunded")
    NONE = "none", _("Nothing held any more")


class ReleaseStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("release status", "Pending")
    DONE = "done", pgettext_lazy("release status", "Done")
    FAILED = "failed", pgettext_lazy("release status", "Failed, will retry")


class AbstractPaymentRelease(models.Model):
    """The money of cancelled backordered units, to be released or refunded.

    Recorded inside the cancelling transaction (so a cancellation never loses its money) and
    carried out after commit, idempotently.
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        related_name="backorder_releases",
        verbose_name=_("order"),
    )
    backorder_line = models.ForeignKey(
        "oscar_backorders.BackorderLine",
        on_delete=models.CASCADE,
        related_name="payment_releases",
        verbose_name=_("backordered line"),
    )
    authorisation = models.ForeignKey(
        "oscar_backorders.PaymentAuthorisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="releases",
        verbose_name=_("authorisation"),
    )
    quantity = models.PositiveIntegerField(_("units"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=12)
    includes_extras = models.BooleanField(
        _("includes the shipping charge"),
        default=False,
        help_text=_("The order's last open units were cancelled: its shipping charge goes too."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReleaseKind.choices, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReleaseStatus.choices,
        default=ReleaseStatus.PENDING,
        db_index=True,
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    payment_event = models.OneToOneField(
        "order.PaymentEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backorder_release",
        verbose_name=_("payment event"),
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_done = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-pk"]
        verbose_name = _("payment release")
        verbose_name_plural = _("payment releases")
        permissions = [("retry_payment_release", _("Can retry a failed payment release"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_release_amount"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="payment_release_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.amount} {self.currency} ({self.get_status_display()})"


class LedgerKind(models.TextChoices):
    AUTHORISED = "authorised", pgettext_lazy("money movement", "Authorised")
    CAPTURED = "captured", pgettext_lazy("money movement", "Captured")
    RELEASED = "released", pgettext_lazy("money movement", "Released")
    EXPIRED = "expired", pgettext_lazy("money movement", "Lapsed at the provider")
    REFUNDED = "refunded", pgettext_lazy("money movement", "Refunded")


class AbstractPaymentLedgerEntry(models.Model):
    """One movement of an order's money at the provider; rows are only ever added.

    Per authorisation, ``authorised = captured + released + expired + held``; refunds pay back
    captured money. Every figure shown to a customer or merchant is a sum of these rows (the
    authorisation's ``amount_captured``/``amount_released`` and Oscar's ``Source`` are kept equal
    to them by :mod:`oscar_backorders.payments.ledger`, the only writer).
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        related_name="backorder_ledger",
        verbose_name=_("order"),
    )
    authorisation = models.ForeignKey(
        "oscar_backorders.PaymentAuthorisation",
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("authorisation"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LedgerKind.choices, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=12)
    reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, blank=True)
    capture = models.ForeignKey(
        "oscar_backorders.PaymentCapture",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
        verbose_name=_("shipment capture"),
    )
    release = models.ForeignKey(
        "oscar_backorders.PaymentRelease",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
        verbose_name=_("cancellation release"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    date_created = models.DateTimeField(_("recorded"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["order", "pk"]
        verbose_name = _("payment ledger entry")
        verbose_name_plural = _("payment ledger")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_ledger_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("Payment ledger entries are never changed; add a new entry.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Payment ledger entries are never deleted.")
