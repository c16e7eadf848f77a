"""Abstract models of the notifications: the send-once log, preferences, delay answers, leases.

Thin, as everywhere in the plugin: what moves a row from one state to another lives in
:mod:`~oscar_backorders.notifications.dispatch` and :mod:`~oscar_backorders.notifications.tasks`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ESTIMATE_CHANGED = "estimate_changed", _("Estimated date changed")
    FOLLOW_UP = "follow_up", _("Status follow-up")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship")
    SHIPPED = "shipped", _("Shipped")
    DELAY_OPTIONS = "delay_options", _("Delay: keep waiting or cancel")
    CANCELLED = "cancelled", _("Cancellation confirmed")
    COMPENSATION = "compensation", _("Compensation voucher")
    CONFIRM_PAYMENT = "confirm_payment", _("Confirm payment")
    MERCHANT_DIGEST = "merchant_digest", _("Merchant daily digest")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    #: Taken by a worker and committed before the mail server is contacted; ``next_attempt_at`` is
    #: when it counts as abandoned (the worker died) and is sent again.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")
    SKIPPED = "skipped", _("Skipped")


class AbstractNotice(models.Model):
    """One email that is due, claimed exactly once by its unique (scope, kind, version).

    ``scope`` names what the notice is about (``order:<pk>``, ``line:<pk>`` or ``shop``);
    ``version`` tells two notices of the same kind about the same thing apart (the last event it
    covers, the follow-up number, the digest's day). Whoever inserts the row owns the notice; a
    second insert fails on the constraint, so a notice is never created twice. It is marked
    *sending* before the mail server is contacted and *sent* only after the mail server accepted
    the message; ``resends`` counts the times it was found still *sending* after a worker stopped
    and was sent again (each one a possible duplicate).
    """

    scope = models.CharField(_("about"), max_length=64)
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    version = models.CharField(_("version"), max_length=64)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="backorder_notices",
        verbose_name=_("order"),
    )
    cursor = models.BigIntegerField(
        _("last event covered"), null=True, blank=True, help_text=_("Internal bookkeeping.")
    )
    recipient = models.CharField(_("recipient"), max_length=1024, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    resends = models.PositiveSmallIntegerField(
        _("resent after a stopped worker"),
        default=0,
        help_text=_(
            "Times it was found still sending after the grace period and sent again with the "
            "same Message-ID: the mail server may have received it before."
        ),
    )
    last_error = models.TextField(_("last error"), blank=True)
    date_created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    date_sent = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("backorder notice")
        verbose_name_plural = _("backorder notices")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "kind", "version"], name="backorder_notice_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="backorder_notice_due"),
            models.Index(fields=["order", "kind", "cursor"], name="backorder_notice_order_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.scope} · {self.version} ({self.status})"


class AbstractNotificationPreference(models.Model):
    """What one customer (by email address) wants to hear, and in which language."""

    email = models.EmailField(_("email address"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    follow_ups = models.BooleanField(
        _("status follow-ups"),
        default=True,
        help_text=_("Periodic updates while items wait. Legally required notices go regardless."),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return self.email


class DelayDecision(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    KEEP = "keep", _("Keeps waiting")
    CANCEL = "cancel", _("Cancelled by the customer")
    AUTO_CANCELLED = "auto_cancelled", _("Cancelled: no consent by the deadline")
    SUPERSEDED = "superseded", _("Superseded by a later delay")


class AbstractDelayConsent(models.Model):
    """A backordered line that missed its promised date, the new date offered, and the answer."""

    backorder_line = models.ForeignKey(
        "oscar_backorders.BackorderLine",
        on_delete=models.CASCADE,
        related_name="delay_consents",
        verbose_name=_("backordered line"),
    )
    revised_date = models.DateField(_("revised date offered"))
    rule = models.CharField(_("rule"), max_length=16)
    consent_required = models.BooleanField(_("consent required"), default=False)
    deadline = models.DateField(_("answer deadline"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=16, choices=DelayDecision.choices, default=DelayDecision.PENDING
    )
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_decided = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("delay consent")
        verbose_name_plural = _("delay consents")
        constraints = [
            models.UniqueConstraint(
                fields=["backorder_line", "revised_date"], name="backorder_delay_once_per_date"
            ),
            models.CheckConstraint(
                condition=Q(consent_required=False) | Q(deadline__isnull=False),
                name="backorder_delay_consent_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.backorder_line_id} → {self.revised_date} ({self.decision})"


class NoticeEventKind(models.TextChoices):
    PAYMENT_CAPTURED = "payment_captured", _("Payment captured")
    PAYMENT_CAPTURE_FAILED = "payment_capture_failed", _("Capture failed")
    PAYMENT_RELEASED = "payment_released", _("Payment released")
    AUTHORISATION_EXPIRING = "authorisation_expiring", _("Authorisation expiring")
    REORDER_POINT_REACHED = "reorder_point_reached", _("Reorder point reached")


class AbstractNoticeEvent(models.Model):
    """A payments or supply signal, recorded so the digest and the shipped notice can tell it."""

    kind = models.CharField(_("kind"), max_length=32, choices=NoticeEventKind.choices)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stock record"),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    date_created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("recorded payment or supply event")
        verbose_name_plural = _("recorded payment and supply events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.date_created:%Y-%m-%d %H:%M})"


class AbstractBeatLease(models.Model):
    """Who may run the periodic schedules right now (one Celery beat at a time)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    holder = models.CharField(_("holder"), max_length=255)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("beat lease")
        verbose_name_plural = _("beat leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%H:%M:%S}"
