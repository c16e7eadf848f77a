"""Backorder limits per order and per customer: who the customer is, and what they have waiting.

A policy's ``order_cap`` limits the units of a stock record one order may backorder, its
``customer_cap`` the units one customer may have on backorder and not yet shipped or cancelled
(waiting for stock, or allocated and not yet shipped). The customer is the account when the
order has one, else the guest's email address (lower case): a guest's orders do not count
towards an account with the same address, nor the other way round.

Placement enforces both (``placement``), under :func:`oscar_backorders.locks.lock_customer`; the
customer's pages show and check them through the strategy, which reads the customer's waiting
units with :func:`waiting_units` once per request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Sum
from django.db.models.functions import Lower, Trim
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.policy import ResolvedPolicy

#: Where Oscar's checkout keeps a guest's email address (``CheckoutSessionData``).
CHECKOUT_SESSION_KEY = "checkout_data"


@dataclass(frozen=True, slots=True)
class Customer:
    """An account (``user_id``) or, for a guest, a normalised email address."""

    user_id: int | None = None
    email: str = ""

    @property
    def key(self) -> str:
        """The customer's row in ``CustomerLock``."""
        return f"user:{self.user_id}" if self.user_id is not None else f"email:{self.email}"


def customer_of(*, user_id: int | None, email: str | None) -> Customer | None:
    """The customer an order belongs to (``None``: a guest without an email address)."""
    if user_id is not None:
        return Customer(user_id=user_id)
    normalised = (email or "").strip().lower()
    return Customer(email=normalised) if normalised else None


def customer_of_request(request: Any) -> Customer | None:
    """The customer browsing: the signed-in account, else the email a guest gave the checkout.

    Reads the session only (never writes it), and only when asked, i.e. when a product under a
    limit is shown.
    """
    if request is None:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Customer(user_id=user.pk)
    session = getattr(request, "session", None)
    if session is None:
        return None
    guest = (session.get(CHECKOUT_SESSION_KEY) or {}).get("guest") or {}
    return customer_of(user_id=None, email=guest.get("email"))


def waiting_units(
    customer: Customer, stockrecord_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Units ``customer`` has on backorder and not yet shipped or cancelled, per stock record.

    One query. Without ``stockrecord_ids``, every stock record the customer has units waiting
    for (a customer has few), so a page asks once whatever products it shows.
    """
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    lines = BackorderLine._default_manager.filter(
        status__in=(BackorderStatus.WAITING, BackorderStatus.ALLOCATED),
        stockrecord_id__isnull=False,
    )
    if customer.user_id is not None:
        lines = lines.filter(order__user_id=customer.user_id)
    else:
        lines = lines.alias(_email=Lower(Trim("order__guest_email"))).filter(
            order__user__isnull=True, _email=customer.email
        )
    if stockrecord_ids is not None:
        lines = lines.filter(stockrecord_id__in=list(stockrecord_ids))
    rows = (
        lines.order_by()
        .values("stockrecord_id")
        .annotate(open=Sum(F("quantity") - F("quantity_shipped") - F("quantity_cancelled")))
        .values_list("stockrecord_id", "open")
    )
    return {stockrecord_id: units for stockrecord_id, units in rows if units}


def backorder_room(policy: ResolvedPolicy, waiting: int | None) -> int | None:
    """Pure: most units one more order may backorder under the order and customer limits.

    ``waiting`` is what the customer has waiting (``None``: the customer is unknown, so only the
    limit per order applies). ``None``: no limit applies.
    """
    limits = []
    if policy.order_cap is not None:
        limits.append(policy.order_cap)
    if policy.customer_cap is not None and waiting is not None:
        limits.append(max(policy.customer_cap - waiting, 0))
    return min(limits) if limits else None
