"""What each email says: the template context of a claimed notice, rebuilt from the database.

A notice stores ids only (events, consents, shipments, voucher), so a retry renders what is true
at send time. A builder returns ``None`` when there is nothing left to tell (the customer opted
out of follow-ups, every line already shipped, every delay was already answered, the payment was
confirmed): the notice is then marked skipped, not sent.

Money: every figure about the order's payment comes from
:func:`~oscar_backorders.payments.money.order_money` (``money`` in the context: ``None`` when the
shop's own checkout took the payment), and what one shipment charged from its capture.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications import links
from oscar_backorders.notifications.abstract_models import (
    DelayDecision,
    NoticeKind,
)
from oscar_backorders.notifications.notices import coalesce_changes
from oscar_backorders.payments.abstract_models import AuthorisationStatus, CaptureStatus
from oscar_backorders.payments.accounts import CHECKOUT_SEQUENCE, order_extras
from oscar_backorders.payments.amounts import split
from oscar_backorders.payments.confirmation import confirmation_url
from oscar_backorders.payments.money import order_money

#: What ``quantity_waiting`` needs, for queries that load only a few columns of a line.
_QUANTITIES = ("quantity", "quantity_allocated", "quantity_shipped", "quantity_cancelled")


def _m(name: str) -> Any:
    return get_model("oscar_backorders", name)


def _order_url(order: Any) -> str:
    try:
        if order.user_id:
            path = reverse("customer:order", kwargs={"order_number": order.number})
        else:
            path = reverse(
                "customer:anon-order",
                kwargs={"order_number": order.number, "hash": order.verification_hash()},
            )
    except NoReverseMatch:
        return ""
    return links.absolute(path)


def _base(notice: Any) -> dict[str, Any]:
    order = notice.order
    return {
        "order": order,
        "order_url": _order_url(order) if order is not None else "",
        "shop_name": getattr(settings, "OSCAR_SHOP_NAME", ""),
        "notice": notice,
    }


def _events(notice: Any) -> list[Any]:
    return list(
        _m("BackorderEvent")
        ._default_manager.filter(pk__in=notice.payload.get("event_ids", []))
        .select_related("backorder_line", "backorder_line__line")
        .order_by("pk")
    )


def _estimate_changed(notice: Any) -> dict[str, Any] | None:
    """The lines whose promise moved from the date the customer was last told (cumulatively:
    a move too small to tell is told once the moves add up to ``ESTIMATE_NOTICE_MIN_DAYS``)."""
    events = _events(notice)
    lines = {e.backorder_line_id: e.backorder_line for e in events}
    changes = coalesce_changes(
        (
            (line.pk, line.told_date or line.promised_date, line.estimated_date)
            for line in lines.values()
            # A date past the promised one is told by the delay notice, with the options.
            if line.quantity_waiting > 0 and line.estimated_date <= line.promised_date
        ),
        tell_earlier=backorder_settings.NOTIFY_EARLIER_ESTIMATES,
        min_days=backorder_settings.ESTIMATE_NOTICE_MIN_DAYS,
    )
    notice.told_dates = {c.line_id: c.new_date for c in changes}
    if not changes:
        return None
    return {
        **_base(notice),
        "changes": [
            {
                "title": lines[c.line_id].line.title,
                "quantity": lines[c.line_id].quantity_waiting,
                "old_date": c.old_date,
                "new_date": c.new_date,
                "later": c.later,
            }
            for c in changes
        ],
        "any_later": any(c.later for c in changes),
        "money": order_money(notice.order),
    }


def _quantities(events: list[Any]) -> list[dict[str, Any]]:
    items: dict[int, dict[str, Any]] = {}
    for event in events:
        line = event.backorder_line.line
        item = items.setdefault(
            line.pk,
            {"title": line.title, "quantity": 0, "unit_price": line.unit_price_incl_tax},
        )
        item["quantity"] += event.quantity or 0
        if event.reason:
            item["reason"] = event.reason
    for item in items.values():
        price = item["unit_price"]
        item["amount"] = price * item["quantity"] if price is not None else None
    return list(items.values())


def _ready_to_ship(notice: Any) -> dict[str, Any] | None:
    items = _quantities(_events(notice))
    if not items:
        return None
    return {**_base(notice), "items": items, "money": order_money(notice.order)}


def _shipment_items(order: Any, captures: list[Any]) -> tuple[list[dict[str, Any]], Decimal]:
    """What the shipments' captures charged, line by line, and for shipping.

    Each capture's amount is split over the units it paid for in proportion to their price
    (:func:`~oscar_backorders.payments.amounts.split`), less the shipping charge when it took
    it, so the listed amounts add up to the capture. On an order whose in-stock units were paid
    at checkout, a shipment's in-stock units are listed as paid at checkout.
    """
    line_ids = {int(k) for c in captures for k in c.line_quantities}
    lines = {line.pk: line for line in order.lines.filter(pk__in=line_ids).order_by("pk")}
    prepaid = (
        _m("PaymentCapture")
        ._default_manager.filter(
            order=order, sequence=CHECKOUT_SEQUENCE, status=CaptureStatus.CAPTURED
        )
        .exists()
    )
    charged: dict[int, dict[str, Any]] = {}
    paid_before: dict[int, int] = {}
    shipping = Decimal("0.00")
    for capture in captures:
        extras = order_extras(order) if capture.includes_shipping else Decimal("0.00")
        extras = min(max(extras, Decimal("0.00")), capture.amount)
        shipping += extras
        units = []
        for key, quantity in sorted(capture.line_quantities.items(), key=lambda kv: int(kv[0])):
            line = lines[int(key)]
            paid = int(capture.backorder_quantities.get(key, 0)) if prepaid else int(quantity)
            if quantity - paid:
                paid_before[line.pk] = paid_before.get(line.pk, 0) + quantity - paid
            if paid:
                units.append((line, paid))
        weights = [line.line_price_incl_tax * count / line.quantity for line, count in units]
        for (line, count), amount in zip(
            units, split(capture.amount - extras, weights), strict=True
        ):
            item = charged.setdefault(
                line.pk, {"title": line.title, "quantity": 0, "amount": Decimal("0.00")}
            )
            item["quantity"] += count
            item["amount"] += amount
    items = [charged[pk] for pk in sorted(charged)]
    items += [
        {"title": lines[pk].title, "quantity": count, "amount": None, "paid_at_checkout": True}
        for pk, count in sorted(paid_before.items())
    ]
    return items, shipping


def _shipped(notice: Any) -> dict[str, Any] | None:
    events = _events(notice)
    if not events:
        return None
    order = notice.order
    money = order_money(order)
    captures = []
    if money is not None:
        captures = list(
            _m("PaymentCapture")
            ._default_manager.filter(
                order=order,
                pk__in=notice.payload.get("shipment_ids", []),
                status=CaptureStatus.CAPTURED,
            )
            .order_by("sequence")
        )
    if not captures:
        # Paid the shop's own way (the items' prices), or no capture of this notice left to
        # tell (then nothing is said about a charge).
        items = _quantities(events)
        if money is not None:
            for item in items:
                item["amount"] = None
        return {**_base(notice), "items": items, "money": money, "charged": None}
    items, shipping = _shipment_items(order, captures)
    return {
        **_base(notice),
        "items": items,
        "shipping": shipping,
        "charged": sum((c.amount for c in captures), Decimal("0.00")),
        "shipment_count": len(captures),
        "money": money,
    }


def _cancelled(notice: Any) -> dict[str, Any] | None:
    items = _quantities(_events(notice))
    if not items:
        return None
    value = sum((i["amount"] or Decimal(0) for i in items), Decimal(0))
    return {**_base(notice), "items": items, "value": value, "money": order_money(notice.order)}


def _follow_up(notice: Any) -> dict[str, Any] | None:
    preference, _created = _m("NotificationPreference")._default_manager.get_or_create(
        email=notice.recipient.strip().lower()
    )
    if not preference.follow_ups:
        return None
    waiting = list(
        _m("BackorderLine")
        ._default_manager.filter(order=notice.order, status=BackorderStatus.WAITING)
        .select_related("line")
        .only(*_QUANTITIES, "estimated_date", "is_preorder", "line__title")
        .order_by("pk")
    )
    if not waiting:
        return None
    return {
        **_base(notice),
        "lines": [
            {
                "title": b.line.title,
                "quantity": b.quantity_waiting,
                "date": b.estimated_date,
                "is_preorder": b.is_preorder,
            }
            for b in waiting
        ],
        "unsubscribe_url": links.unsubscribe_url(preference.pk),
    }


def _delay_options(notice: Any) -> dict[str, Any] | None:
    consent_ids = notice.payload.get("consent_ids", [])
    consents = list(
        _m("DelayConsent")
        ._default_manager.filter(pk__in=consent_ids, decision=DelayDecision.PENDING)
        .select_related("backorder_line", "backorder_line__line")
        .order_by("pk")
    )
    consents = [c for c in consents if c.backorder_line.quantity_waiting > 0]
    if not consents:
        return None
    deadlines = [c.deadline for c in consents if c.consent_required and c.deadline]
    notice.told_dates = {c.backorder_line_id: c.revised_date for c in consents}
    token = links.delay_token(order_id=notice.order_id, consent_ids=consent_ids)
    urls = links.delay_urls(order_number=notice.order.number, token=token)
    return {
        **_base(notice),
        "lines": [
            {
                "title": c.backorder_line.line.title,
                "quantity": c.backorder_line.quantity_waiting,
                "promised_date": c.backorder_line.promised_date,
                "revised_date": c.revised_date,
                # A promise missed and not yet revised has no new date: never tell a past one.
                "revised_known": c.revised_date >= timezone.localdate(),
                "consent_required": c.consent_required,
            }
            for c in consents
        ],
        "consent_required": bool(deadlines),
        "deadline": min(deadlines) if deadlines else None,
        "keep_url": urls["keep"],
        "cancel_url": urls["cancel"],
        "money": order_money(notice.order),
    }


def _compensation(notice: Any) -> dict[str, Any] | None:
    Voucher = get_model("voucher", "Voucher")
    voucher = Voucher._default_manager.filter(pk=notice.payload.get("voucher_id")).first()
    if voucher is None:
        return None
    return {**_base(notice), "voucher": voucher, "benefit": notice.payload.get("benefit", "")}


def _confirm_payment(notice: Any) -> dict[str, Any] | None:
    """Ask the customer to confirm payment of what an unrenewable authorisation held."""
    authorisation = (
        _m("PaymentAuthorisation")
        ._default_manager.filter(order=notice.order)
        .select_related("order")
        .order_by("-pk")
        .first()
    )
    # Confirmed since (a fresh authorisation), or another authorisation than the notice's.
    if authorisation is None or authorisation.pk != notice.payload.get("authorisation_id"):
        return None
    if authorisation.status not in (
        AuthorisationStatus.NEEDS_CUSTOMER,
        AuthorisationStatus.EXPIRED,
    ):
        return None
    money = order_money(notice.order)
    if money is None or money.to_charge <= 0:
        return None
    return {
        **_base(notice),
        "money": money,
        "confirm_url": links.absolute(confirmation_url(authorisation)),
        "expires_at": authorisation.expires_at,
        # The provider let the hold go (deadline passed, or Stripe cancelled it): say it ended.
        "expired": authorisation.status == AuthorisationStatus.EXPIRED,
    }


def _merchant_digest(notice: Any) -> dict[str, Any] | None:
    return {
        "shop_name": getattr(settings, "OSCAR_SHOP_NAME", ""),
        "notice": notice,
        "digest": notice.payload,
    }


BUILDERS: dict[str, Callable[[Any], dict[str, Any] | None]] = {
    NoticeKind.ESTIMATE_CHANGED: _estimate_changed,
    NoticeKind.READY_TO_SHIP: _ready_to_ship,
    NoticeKind.SHIPPED: _shipped,
    NoticeKind.CANCELLED: _cancelled,
    NoticeKind.FOLLOW_UP: _follow_up,
    NoticeKind.DELAY_OPTIONS: _delay_options,
    NoticeKind.COMPENSATION: _compensation,
    NoticeKind.CONFIRM_PAYMENT: _confirm_payment,
    NoticeKind.MERCHANT_DIGEST: _merchant_digest,
}


def build(notice: Any) -> dict[str, Any] | None:
    """The context of ``notice``'s email (``None``: nothing left to tell). Builders that tell
    dates leave them in ``notice.told_dates`` for :func:`record_told`."""
    return BUILDERS[notice.kind](notice)


def record_told(notice: Any) -> None:
    """After ``notice`` was sent: remember the date each line's customer was told."""
    told = getattr(notice, "told_dates", None) or {}
    BackorderLine = _m("BackorderLine")
    by_date: dict[Any, list[int]] = {}
    for line_id, day in told.items():
        by_date.setdefault(day, []).append(line_id)
    for day, line_ids in by_date.items():
        BackorderLine._default_manager.filter(pk__in=line_ids).update(told_date=day)
