"""The queue's payment column: what each backordered line's money is doing, in one phrase."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from oscar_backorders.formatting import ship_date

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


CENTS = Decimal("0.01")
#: Authorisation statuses that still stand for the order's money (not closed, not replaced).
CURRENT_AUTHORISATION = ("active", "needs_customer", "expired")
#: Of those, the ones whose capture deadline still matters.
HOLDING_AUTHORISATION = ("active", "needs_customer")


def authorisations_prefetch() -> Prefetch:
    """The orders' payment authorisations with their held captures summed: one query per page."""
    return Prefetch(
        "order__backorder_authorisations",
        queryset=PaymentAuthorisation._default_manager.annotate(
            held_captures=Count("captures", filter=Q(captures__status="failed")),
            held_amount=Sum("captures__amount", filter=Q(captures__status="failed")),
        ).order_by("-pk"),
    )


def _money(amount: Any, currency_code: str) -> str:
    """``amount`` as Oscar writes money in the active language ("£12.00", "£ 12,00")."""
    return currency(Decimal(amount).quantize(CENTS), currency_code)


def _deadline(moment: Any) -> str:
    """A capture deadline in the active language: its short date, and its time."""
    local = timezone.localtime(moment)
    return f"{ship_date(local.date())} {time_format(local.time())}"


def _authorisation_state(authorisations: list[Any]) -> str:
    """The plugin's own summary: authorised, capture deadline, captured so far, held captures."""
    current = next((a for a in authorisations if a.status in CURRENT_AUTHORISATION), None)
    shown = current or authorisations[0]
    currency_code = shown.currency
    captured = sum(a.amount_captured for a in authorisations)
    held, held_amount = 0, 0
    for authorisation in authorisations:
        if not hasattr(authorisation, "held_captures"):  # not loaded by the queue's prefetch
            authorisation.held_captures, authorisation.held_amount = (
                authorisation.captures.filter(status="failed")
                .aggregate(count=Count("pk"), amount=Sum("amount"))
                .values()
            )
        held += authorisation.held_captures or 0
        held_amount += authorisation.held_amount or 0
    parts = [_("authorised %(amount)s") % {"amount": _money(shown.amount, currency_code)}]
    if shown.expires_at and shown.status in HOLDING_AUTHORISATION:
        deadline = timezone.localtime(shown.expires_at)
        if deadline < timezone.now():
            parts.append(_("expired %(date)s") % {"date": ship_date(deadline.date())})
        else:
            parts.append(_("capture by %(date)s") % {"date": _deadline(deadline)})
    elif current is None or shown.status not in HOLDING_AUTHORISATION:
        parts.append(shown.get_status_display())
    if captured:
        parts.append(_("captured %(amount)s") % {"amount": _money(captured, currency_code)})
    if held:
        parts.append(
            ngettext(
                "%(count)d capture held (%(amount)s)",
                "%(count)d captures held (%(amount)s)",
                held,
            )
            % {"count": held, "amount": _money(held_amount, currency_code)}
        )
    return ", ".join(str(part) for part in parts)


def payment_state(backorder_line: Any) -> str:
    """What the shop knows of the money behind a backordered line's order, in a few words.

    When the plugin's payments module authorised the order, its own :class:`PaymentAuthorisation`
    says it all: amount authorised, capture deadline (or that it expired), captured so far and
    captures held because they failed. Otherwise Oscar's payment sources of the order: authorised
    (``amount_allocated``), captured (``amount_debited``), refunded. Both are prefetched by the
    queue (one query each per page, never one per row). "—" when the order has no payment data.
    """
    authorisations = list(backorder_line.order.backorder_authorisations.all())
    if authorisations:
        return _authorisation_state(authorisations)
    sources = list(backorder_line.order.sources.all())
    if not sources:
        return "—"
    currency_code = sources[0].currency
    authorised = sum(source.amount_allocated for source in sources)
    captured = sum(source.amount_debited for source in sources)
    refunded = sum(source.amount_refunded for source in sources)
    parts = [_("authorised %(amount)s") % {"amount": _money(authorised, currency_code)}]
    if captured:
        parts.append(_("captured %(amount)s") % {"amount": _money(captured, currency_code)})
    if refunded:
        parts.append(_("refunded %(amount)s") % {"amount": _money(refunded, currency_code)})
    return ", ".join(str(part) for part in parts)
