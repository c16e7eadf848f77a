"""What is due and when: the pure rules behind every notice (no ORM, no settings).

The scanning tasks load rows, ask these functions, and claim what they say is due; tests and
benchmarks call them with plain values.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

#: Email codes (Oscar ``CommunicationEventType.code``) by notice kind. Templates follow Oscar's
#: file naming: ``oscar/communication/emails/commtype_<code lowercased>_{subject.txt,body.txt,
#: body.html}``; a merchant overrides one by creating the event type in Oscar's dashboard.
EMAIL_CODES: dict[str, str] = {
    "estimate_changed": "BACKORDER_ESTIMATE_CHANGED",
    "follow_up": "BACKORDER_FOLLOW_UP",
    "ready_to_ship": "BACKORDER_READY_TO_SHIP",
    "shipped": "BACKORDER_SHIPPED",
    "delay_options": "BACKORDER_DELAY_OPTIONS",
    "cancelled": "BACKORDER_CANCELLED",
    "compensation": "BACKORDER_COMPENSATION",
    "confirm_payment": "BACKORDER_CONFIRM_PAYMENT",
    "merchant_digest": "BACKORDER_MERCHANT_DIGEST",
}

#: Notices the customer cannot opt out of: they are part of the contract or the law (a delay
#: with a right to cancel, a cancellation, what shipped and was charged, a payment to confirm).
#: Only the periodic follow-up is optional.
OPTIONAL_KINDS = frozenset({"follow_up"})

#: Overrun rules a shop can choose (``BACKORDERS_OVERRUN_RULE``).
OVERRUN_RULES = ("ftc", "eu", "strict", "notify")


def order_scope(order_id: int) -> str:
    return f"order:{order_id}"


def retry_delay(attempts: int, *, base_seconds: int, max_seconds: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base, 4×base … capped."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    seconds = min(base_seconds * 2 ** min(attempts - 1, 30), max_seconds)
    return datetime.timedelta(seconds=seconds)


def is_quiet(latest: datetime.datetime, *, now: datetime.datetime, seconds: int) -> bool:
    """Whether a batch of changes has settled: nothing newer than ``seconds`` ago."""
    return latest <= now - datetime.timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class DateChange:
    line_id: int
    old_date: datetime.date
    new_date: datetime.date

    @property
    def later(self) -> bool:
        return self.new_date > self.old_date


def coalesce_changes(
    changes: Iterable[tuple[int, datetime.date, datetime.date]],
    *,
    tell_earlier: bool,
    min_days: int = 1,
) -> list[DateChange]:
    """One change per line from several, oldest first: first old date, last new date.

    ``changes`` are ``(line_id, old_date, new_date)`` in the order they happened. A line whose
    dates moved by fewer than ``min_days`` days in all (or back to where they started) is left
    out, and so is one that moved earlier unless ``tell_earlier``. Sorted by line id.
    """
    first: dict[int, datetime.date] = {}
    last: dict[int, datetime.date] = {}
    for line_id, old, new in changes:
        first.setdefault(line_id, old)
        last[line_id] = new
    result = []
    for line_id in sorted(first):
        change = DateChange(line_id, first[line_id], last[line_id])
        if abs((change.new_date - change.old_date).days) < max(min_days, 1):
            continue
        if change.later or tell_earlier:
            result.append(change)
    return result


def follow_up_number(placed: datetime.date, today: datetime.date, *, every_days: int) -> int:
    """Which follow-up is due today for an order placed on ``placed`` (0: none yet).

    The n-th follow-up is due ``n × every_days`` days after placement; an order that waited
    through several periods while the task was not running gets only the latest one.
    """
    if every_days < 1:
        raise ValueError("every_days must be at least 1")
    return max((today - placed).days // every_days, 0)


def compensation_due(placed: datetime.date, today: datetime.date, *, after_days: int) -> bool:
    return (today - placed).days >= after_days


@dataclass(frozen=True, slots=True)
class OverrunDecision:
    """What a missed promised date requires.

    ``consent_required``: without the customer's express consent by ``deadline`` the waiting
    units are cancelled and the money released. Otherwise silence means keep waiting and the
    notice only offers the cancellation.
    """

    rule: str
    revised_date: datetime.date
    consent_required: bool
    deadline: datetime.date | None


#: Days a missed promise waits for the nightly recompute to revise it before the delay notice
#: goes out without a revised date (the recompute runs once a night; one notice, not two).
MISSED_GRACE_DAYS = 1


def is_overrun(*, promised: datetime.date, estimated: datetime.date, today: datetime.date) -> bool:
    """A waiting line overruns once its promise was revised past the date promised at checkout,
    or the promise it has now was missed and not revised (a day's grace for the recompute)."""
    return estimated > promised or (today - estimated).days > MISSED_GRACE_DAYS


def overrun_decision(
    *,
    rule: str,
    promised: datetime.date,
    estimated: datetime.date,
    today: datetime.date,
    earlier_delays: int,
    response_days: int,
    silent_consent_days: int,
) -> OverrunDecision:
    """Map a missed promised date to a shop's rule (see docs/notifications.md for the law).

    ``ftc`` (US FTC Mail Order Rule, 16 CFR 435.2(b)): a first delay with a definite revised date
    at most ``silent_consent_days`` (30) beyond the promised one may be accepted by silence; a
    longer delay, a second delay, or a date no longer known (the estimate itself has passed) needs
    express consent before the deadline, else the order part is cancelled and refunded.
    ``eu`` (Consumer Rights Directive 2011/83/EU art. 18): the customer may terminate once the
    agreed date is missed; the shop offers it, silence means keep waiting, nothing is cancelled
    automatically. ``strict``: consent always required. ``notify``: tell only.
    """
    if rule not in OVERRUN_RULES:
        raise ValueError(f"Unknown overrun rule {rule!r}; choose one of {OVERRUN_RULES}")
    indefinite = estimated < today
    revised = estimated
    if rule == "ftc":
        delay = (estimated - promised).days
        required = indefinite or earlier_delays > 0 or delay > silent_consent_days
    elif rule == "strict":
        required = True
    else:
        required = False
    deadline = None
    if required:
        # Answer by the old ship date when it is still ahead, never with less than the response
        # period; the revised date itself is the latest sensible deadline.
        deadline = max(promised, today + datetime.timedelta(days=response_days))
        if not indefinite:
            deadline = min(deadline, max(revised, today + datetime.timedelta(days=1)))
    return OverrunDecision(rule, revised, required, deadline)
