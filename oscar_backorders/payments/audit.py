"""Do the payment records agree with the ledger? (``manage.py check_backorders`` runs this.)

Per authorisation: its amount is what the ledger authorised, its captured and released totals are
the ledger's (released includes lapsed). Per order: Oscar's ``Source`` shows what the ledger
says (``amount_debited`` = captured, ``amount_refunded`` = refunded, ``amount_allocated`` =
captured + held), and every captured shipment has its ``captured`` entry. Captures whose outcome
is unknown are notes: money may have moved that the next retry will record. So are Stripe's
webhook events that differ from the ledger (a capture or refund made in Stripe's dashboard),
for the merchant to reconcile. Reads only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.consistency import Finding
from oscar_backorders.payments.abstract_models import CaptureStatus, LedgerKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def check_payments(*, order_ids: Iterable[int] | None = None) -> list[Finding]:
    """Every disagreement between the payment records and the ledger (and notes)."""
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
    authorisations = PaymentAuthorisation._default_manager.select_related("order", "source")
    entries = PaymentLedgerEntry._default_manager.order_by()
    captures = PaymentCapture._default_manager.select_related("order")
    ids: list[int] | None = None
    if order_ids is not None:
        ids = list(order_ids)
        authorisations = authorisations.filter(order_id__in=ids)
        entries = entries.filter(order_id__in=ids)
        captures = captures.filter(order_id__in=ids)
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in entries.values("authorisation_id", "kind").annotate(total=Sum("amount")):
        sums[row["authorisation_id"]][row["kind"]] = row["total"].quantize(CENT)
    findings: list[Finding] = []
    sources: dict[int, tuple[object, dict[str, Decimal]]] = {}
    for authorisation in authorisations.order_by("pk"):
        mine = sums[authorisation.pk]
        label = _("order %(number)s, authorisation %(reference)s") % {
            "number": authorisation.order.number,
            "reference": authorisation.reference,
        }
        expected = {
            "amount": mine[LedgerKind.AUTHORISED],
            "amount_captured": mine[LedgerKind.CAPTURED],
            "amount_released": mine[LedgerKind.RELEASED] + mine[LedgerKind.EXPIRED],
        }
        for field, value in expected.items():
            if getattr(authorisation, field) != value:
                findings.append(
                    Finding(
                        code="ledger-authorisation",
                        message=_("%(label)s: %(field)s is %(actual)s, the ledger says %(value)s.")
                        % {
                            "label": label,
                            "field": field,
                            "actual": getattr(authorisation, field),
                            "value": value,
                        },
                    )
                )
        if authorisation.source_id:
            source, totals = sources.setdefault(
                authorisation.source_id, (authorisation.source, defaultdict(lambda: ZERO))
            )
            for kind, value in mine.items():
                totals[kind] += value
    for source, totals in sources.values():
        held = (
            totals[LedgerKind.AUTHORISED]
            - totals[LedgerKind.CAPTURED]
            - totals[LedgerKind.RELEASED]
            - totals[LedgerKind.EXPIRED]
        )
        expected = {
            "amount_debited": totals[LedgerKind.CAPTURED],
            "amount_refunded": totals[LedgerKind.REFUNDED],
            "amount_allocated": totals[LedgerKind.CAPTURED] + held,
        }
        for field, value in expected.items():
            if getattr(source, field) != value:
                findings.append(
                    Finding(
                        code="ledger-source",
                        message=_(
                            "Payment source %(id)d of order %(order)s: %(field)s is %(actual)s, "
                            "the ledger says %(value)s."
                        )
                        % {
                            "id": source.pk,
                            "order": source.order.number,
                            "field": field,
                            "actual": getattr(source, field),
                            "value": value,
                        },
                    )
                )
    recorded = set(
        entries.filter(kind=LedgerKind.CAPTURED, capture__isnull=False).values_list(
            "capture_id", flat=True
        )
    )
    for capture in captures.order_by("pk"):
        if (
            capture.status == CaptureStatus.CAPTURED
            and capture.amount
            and capture.pk not in recorded
        ):
            findings.append(
                Finding(
                    code="ledger-capture",
                    message=_(
                        "Shipment %(n)d of order %(number)s is captured (%(amount)s) but has no "
                        "ledger entry."
                    )
                    % {
                        "n": capture.sequence,
                        "number": capture.order.number,
                        "amount": capture.amount,
                    },
                )
            )
        elif capture.outcome_unknown and capture.status != CaptureStatus.CAPTURED:
            findings.append(
                Finding(
                    code="capture-outcome-unknown",
                    message=_(
                        "Shipment %(n)d of order %(number)s: the provider may have taken "
                        "%(amount)s; the retry task will record it."
                    )
                    % {
                        "n": capture.sequence,
                        "number": capture.order.number,
                        "amount": capture.amount,
                    },
                    is_note=True,
                )
            )
    findings.extend(_provider_discrepancies(ids))
    return findings


def _provider_discrepancies(order_ids: list[int] | None) -> list[Finding]:
    """Notes: what the provider reported that the ledger does not show (see payments/webhooks.py)."""
    ProviderEvent = get_model("oscar_backorders", "ProviderEvent")
    events = ProviderEvent._default_manager.filter(outcome="discrepancy").select_related("order")
    if order_ids is not None:
        events = events.filter(order_id__in=order_ids)
    return [
        Finding(
            code="provider-discrepancy",
            message=_("Order %(number)s: %(detail)s")
            % {"number": event.order.number if event.order_id else "?", "detail": event.detail},
            is_note=True,
        )
        for event in events.order_by("pk")
    ]
