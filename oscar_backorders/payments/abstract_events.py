"""What the payment provider told the shop: one row per webhook event, whatever became of it.

The provider's event id is unique, so a delivery Stripe repeats (it retries for days) finds its
row and changes nothing again. The row keeps what the event did (:class:`EventOutcome`): a
``discrepancy`` is money the provider moved that the ledger does not know (a capture or refund
made in the provider's dashboard), left for the merchant to look at; it never moves money.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventOutcome(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("provider event", "Applied to the ledger")
    CONFIRMED = "confirmed", pgettext_lazy("provider event", "Confirms the ledger")
    DISCREPANCY = "discrepancy", pgettext_lazy("provider event", "Differs from the ledger")
    STALE = "stale", pgettext_lazy("provider event", "Older than what is known; ignored")
    UNKNOWN = "unknown", pgettext_lazy("provider event", "Not a payment of this shop")
    IGNORED = "ignored", pgettext_lazy("provider event", "Event type not used")


class AbstractProviderEvent(models.Model):
    """One event the payment provider sent (a Stripe webhook), recorded once."""

    provider = models.CharField(_("provider"), max_length=32)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("event type"), max_length=100, db_index=True)
    #: When the provider says the event happened (events arrive out of order).
    created = models.DateTimeField(_("happened"), db_index=True)
    received = models.DateTimeField(_("received"), auto_now_add=True)
    #: The provider's PaymentIntent (authorisation reference) the event is about, if any.
    reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    authorisation = models.ForeignKey(
        "oscar_backorders.PaymentAuthorisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider_events",
        verbose_name=_("authorisation"),
    )
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backorder_provider_events",
        verbose_name=_("order"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=EventOutcome.choices, db_index=True
    )
    #: The amount the provider reported (capturable, captured or refunded), in major units.
    amount = models.DecimalField(
        _("amount reported"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    detail = models.TextField(_("detail"), blank=True)
    processed = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-created", "-pk"]
        verbose_name = _("payment provider event")
        verbose_name_plural = _("payment provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="provider_event_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
