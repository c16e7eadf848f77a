"""The payments ledger: the one writer of money movements, and the sums every figure comes from.

:func:`post` appends a :class:`PaymentLedgerEntry` and, in the same transaction, keeps the
authorisation's running totals and Oscar's ``payment.Source`` equal to the ledger:

========== ====================================== =============================================
kind       authorisation                          Oscar ``Source``
========== ====================================== =============================================
authorised (its ``amount``)                       ``amount_allocated`` += (re-authorisations)
captured   ``amount_captured`` +=                 ``debit()``
released   ``amount_released`` +=                 ``amount_allocated`` -=, a "Release" txn
expired    ``amount_released`` +=                 ``amount_allocated`` -=, an "Expire" txn
refunded   –                                      ``refund()``
========== ====================================== =============================================

So, per authorisation, ``held = authorised − captured − released − expired`` at every commit.
Callers hold the authorisation's row lock (:func:`oscar_backorders.locks.lock_authorisation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from oscar.core.loading import get_model

from oscar_backorders.locks import lock_source
from oscar_backorders.payments.abstract_models import AuthorisationStatus, LedgerKind
from oscar_backorders.payments.states import move

ZERO = Decimal("0.00")


def post(
    authorisation: Any,
    kind: str,
    amount: Decimal,
    *,
    reference: str = "",
    idempotency_key: str = "",
    capture: Any = None,
    release: Any = None,
    note: str = "",
    source_counted: bool = False,
) -> Any | None:
    """Record one money movement of a locked authorisation; ``None`` for a zero amount.

    ``source_counted``: the ``Source`` already shows this authorisation (Oscar's checkout
    created it with the authorised amount allocated).
    """
    if amount < 0:
        raise ValueError(f"A ledger amount is never negative (got {amount}).")
    if amount == 0:
        return None
    takes_from_hold = kind in (LedgerKind.CAPTURED, LedgerKind.RELEASED, LedgerKind.EXPIRED)
    if takes_from_hold and amount > authorisation.amount_remaining:
        raise ValueError(
            f"{kind} {amount} exceeds the {authorisation.amount_remaining} the "
            f"authorisation {authorisation.reference} holds."
        )
    PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
    entry = PaymentLedgerEntry._default_manager.create(
        order_id=authorisation.order_id,
        authorisation=authorisation,
        kind=kind,
        amount=amount,
        currency=authorisation.currency,
        reference=reference[:255],
        idempotency_key=idempotency_key[:160],
        capture=capture,
        release=release,
        note=note[:255],
    )
    fields: list[str] = []
    if kind == LedgerKind.CAPTURED:
        authorisation.amount_captured += amount
        fields.append("amount_captured")
    elif kind in (LedgerKind.RELEASED, LedgerKind.EXPIRED):
        authorisation.amount_released += amount
        fields.append("amount_released")
    if (
        fields
        and authorisation.amount_remaining == 0
        and authorisation.status == AuthorisationStatus.ACTIVE
    ):
        move(authorisation, AuthorisationStatus.CLOSED)
        fields.append("status")
    if fields:
        authorisation.save(update_fields=[*fields, "date_updated"])
    _mirror_on_source(authorisation, kind, amount, reference, source_counted=source_counted)
    return entry


def _mirror_on_source(
    authorisation: Any, kind: str, amount: Decimal, reference: str, *, source_counted: bool
) -> None:
    if not authorisation.source_id:
        return
    if kind == LedgerKind.AUTHORISED and source_counted:
        return
    source = lock_source(authorisation.source_id)
    if kind == LedgerKind.CAPTURED:
        source.debit(amount, reference=reference)
    elif kind == LedgerKind.REFUNDED:
        source.refund(amount, reference=reference)
    else:
        if kind == LedgerKind.AUTHORISED:
            source.amount_allocated += amount
            txn_type = "Re-authorise"
        else:
            source.amount_allocated -= amount
            txn_type = "Release" if kind == LedgerKind.RELEASED else "Expire"
        source.save(update_fields=["amount_allocated"])
        source.transactions.create(txn_type=txn_type, amount=amount, reference=reference)


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of an order's (or one authorisation's) ledger entries, by kind."""

    authorised: Decimal = ZERO
    captured: Decimal = ZERO
    released: Decimal = ZERO
    expired: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def held(self) -> Decimal:
        """Still held at the provider: authorised, not yet captured, released or lapsed."""
        return self.authorised - self.captured - self.released - self.expired

    @property
    def charged(self) -> Decimal:
        """Taken from the customer and not paid back."""
        return self.captured - self.refunded


def totals(**filters: Any) -> Totals:
    """One query: the ledger's sums for ``order_id=…`` or ``authorisation_id=…``."""
    PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
    rows = (
        PaymentLedgerEntry._default_manager.filter(**filters)
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # (SQLite's SUM drops the scale: 24.5 for 24.50.)
    return Totals(**{row["kind"]: row["total"].quantize(ZERO) for row in rows})


def held(authorisation: Any) -> Decimal:
    """What the provider still holds of an authorisation (its running total, kept by :func:`post`)."""
    return authorisation.amount_remaining
