"""The customer's answer to a delay notice: keep waiting, or cancel the waiting part.

A domain flow with explicit arguments (no request), called by the views behind the signed links
and usable from a shell or a test. Every refusal raises before anything is written.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.notifications import links
from oscar_backorders.notifications.abstract_models import DelayDecision


class DelayLinkError(BackorderError):
    """A delay link was refused; ``status`` is the HTTP status a view should answer with."""

    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidDelayLink(DelayLinkError):
    status = 400


class ExpiredDelayLink(DelayLinkError):
    status = 410


class ForeignOrder(DelayLinkError):
    status = 404


class DelayAlreadyAnswered(DelayLinkError):
    status = 409

    def __init__(self, message: str, *, decision: str) -> None:
        self.decision = decision
        super().__init__(message)


ACTIONS = ("keep", "cancel")


def load_delay(*, order_number: str, token: str, user: Any | None = None) -> tuple[Any, list[Any]]:
    """The order and the consents a delay link is for; raises a :class:`DelayLinkError`."""
    try:
        data = links.read_delay_token(token)
    except signing.SignatureExpired:
        raise ExpiredDelayLink(_("This link has expired.")) from None
    except signing.BadSignature:
        raise InvalidDelayLink(
            _("This link is not valid. Please use the link from your email.")
        ) from None
    Order = get_model("order", "Order")
    order = Order._default_manager.filter(number=order_number).first()
    if order is None or order.pk != data["o"]:
        raise ForeignOrder(_("There is no such order."))
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and order.user_id
        and order.user_id != user.pk
    ):
        raise ForeignOrder(_("There is no such order."))
    consents = list(
        get_model("oscar_backorders", "DelayConsent")
        ._default_manager.filter(pk__in=data["c"], backorder_line__order_id=order.pk)
        .select_related("backorder_line", "backorder_line__line")
        .order_by("pk")
    )
    if len(consents) != len(set(data["c"])):
        raise ForeignOrder(_("There is no such order."))
    return order, consents


@transaction.atomic
def answer_delay(
    *,
    order_number: str,
    token: str,
    action: str,
    user: Any | None = None,
    today: datetime.date | None = None,
) -> list[Any]:
    """Record the customer's answer to a delay notice; cancel the waiting units if asked.

    Locks the consents, refuses a link that was tampered with, expired, is for another order, was
    already answered, or whose consent deadline passed, and changes nothing then. Cancelling goes
    through :func:`oscar_backorders.services.cancel_units` (``by_customer=True``), so the money
    is released and the cancellation confirmed like any other cancellation.
    """
    if action not in ACTIONS:
        raise InvalidDelayLink(_("Unknown answer %(action)r.") % {"action": action})
    today = today or timezone.localdate()
    order, consents = load_delay(order_number=order_number, token=token, user=user)
    DelayConsent = get_model("oscar_backorders", "DelayConsent")
    locked = list(
        DelayConsent._default_manager.select_for_update()
        .filter(pk__in=[c.pk for c in consents])
        .order_by("pk")
    )
    pending = [c for c in locked if c.decision == DelayDecision.PENDING]
    if not pending:
        decision = locked[0].decision
        messages = {
            DelayDecision.KEEP: _("You already chose to keep waiting."),
            DelayDecision.CANCEL: _("You already cancelled these items."),
            DelayDecision.AUTO_CANCELLED: _(
                "These items were cancelled because we did not hear from you in time."
            ),
            DelayDecision.SUPERSEDED: _(
                "This notice was replaced by a newer one; please use the links in the latest email."
            ),
        }
        raise DelayAlreadyAnswered(messages.get(decision, ""), decision=decision)
    if any(c.consent_required and c.deadline and c.deadline < today for c in pending):
        raise ExpiredDelayLink(_("The deadline to answer this notice has passed."))
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    for consent in pending:
        if action == "cancel":
            line = get_model("oscar_backorders", "BackorderLine")._default_manager.get(
                pk=consent.backorder_line_id
            )
            if line.quantity_waiting > 0:
                services.cancel_units(
                    line.pk,
                    line.quantity_waiting,
                    actor=actor,
                    reason=_("The customer chose not to wait after a delay."),
                    by_customer=True,
                )
            consent.decision = DelayDecision.CANCEL
        else:
            consent.decision = DelayDecision.KEEP
        consent.date_decided = now
        consent.save(update_fields=["decision", "date_decided"])
    return pending


def unsubscribe(*, token: str) -> str:
    """Turn follow-ups off for the customer a signed unsubscribe link names; returns the address."""
    try:
        preference_id = links.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise InvalidDelayLink(
            _("This link is not valid. Please use the link from your email.")
        ) from None
    NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
    preference = NotificationPreference._default_manager.filter(pk=preference_id).first()
    if preference is None:
        raise InvalidDelayLink(_("This link is not valid. Please use the link from your email."))
    if preference.follow_ups:
        preference.follow_ups = False
        preference.save(update_fields=["follow_ups", "date_updated"])
    return preference.email
