"""Supplier lateness profiles: learnt from the received purchase-order lines, kept on each supplier.

The rule is :func:`oscar_backorders.estimates.lateness.supplier_lateness` (pure; read
``docs/supply.md``). :func:`refresh_profiles` reads the history once and stores, on every
supplier, its blended distribution for plain expected dates, for supplier-confirmed ones and
for slipped ones (the expected date moved later before arrival), each with the shop's pooled
history as the prior. The engine then needs no history query: the
product page, the checkout and the nightly recompute read the stored profile with the purchase
order lines they load anyway.

A delivery's lateness is ``received − first expected`` (``received − first confirmed`` for a
confirmed line), so a date slipped before arrival still counts against the supplier. A slipped
line also counts, against the expected date on file when it arrived, in a history of slips: how
far a slipped date is still missed by.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.estimates.lateness import ON_TIME, Lateness, supplier_lateness

#: Deliveries older than this are not learnt from.
HISTORY_DAYS = 730

_CACHE: dict[str, Lateness] = {}


def as_json(lateness: Lateness) -> dict[str, Any]:
    return {
        "low": lateness.low,
        "probs": [round(p, 6) for p in lateness.probs],
        "deliveries": round(lateness.deliveries, 3),
    }


def from_json(data: Mapping[str, Any] | None) -> Lateness | None:
    """The distribution stored by :func:`as_json` (``None``: none stored or unreadable)."""
    if not data:
        return None
    try:
        low, probs = int(data["low"]), tuple(float(p) for p in data["probs"])
        deliveries = max(float(data.get("deliveries", 0)), 0.0)
        total = sum(probs)
        if not probs or total <= 0 or any(p < 0 for p in probs):
            return None
        key = f"{low}:{probs}:{deliveries}"
        found = _CACHE.get(key)
        if found is None:
            if len(_CACHE) > 10_000:
                _CACHE.clear()
            found = _CACHE[key] = Lateness(low, tuple(p / total for p in probs), deliveries)
        return found
    except (KeyError, TypeError, ValueError):
        return None


def profile_lateness(
    profile: Mapping[str, Any] | None, *, confirmed: bool = False, slipped: bool = False
) -> Lateness:
    """The distribution to use for a supplier's line (``confirmed``: a supplier-confirmed one;
    ``slipped``: one whose expected date was moved later, dated from the date on file).

    A confirmed line uses the confirmation history, a slipped one the history of slips; with
    none, the plain one. A supplier with no stored profile is taken to deliver on time (a shop
    with no history at all).
    """
    profile = profile or {}
    if confirmed or slipped:
        found = from_json(profile.get("confirmed" if confirmed else "slipped"))
        if found is not None:
            return found
    return from_json(profile.get("expected")) or from_json(profile.get("pool")) or ON_TIME


def _history(*, today: datetime.date) -> tuple[dict[int, list[int]], ...]:
    """Latest lateness values per supplier: plain (all lines), confirmed (confirmed lines,
    against the first confirmed date) and slipped (unconfirmed lines whose expected date moved
    later, against the expected date on file)."""
    window = int(backorder_settings.RELIABILITY_WINDOW)
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    rows = (
        PurchaseOrderLine._default_manager.filter(
            status="received",
            date_last_received__isnull=False,
            date_last_received__gte=today - datetime.timedelta(days=HISTORY_DAYS),
        )
        .annotate(first_expected=Coalesce("first_expected_date", "expected_date"))
        .order_by("-date_last_received", "-pk")
        .values_list(
            "purchase_order__supplier_id",
            "first_expected",
            "first_confirmed_date",
            "date_last_received",
            "expected_date",
        )
    )
    plain: dict[int, list[int]] = defaultdict(list)
    confirmed: dict[int, list[int]] = defaultdict(list)
    slipped: dict[int, list[int]] = defaultdict(list)
    for supplier_id, expected, first_confirmed, received, on_file in rows.iterator(chunk_size=2000):
        if len(plain[supplier_id]) < window:
            plain[supplier_id].append((received - expected).days)
        if first_confirmed is not None:
            if len(confirmed[supplier_id]) < window:
                confirmed[supplier_id].append((received - first_confirmed).days)
        elif on_file > expected and len(slipped[supplier_id]) < window:
            slipped[supplier_id].append((received - on_file).days)
    return plain, confirmed, slipped


def profiles(
    plain: Mapping[int, Sequence[int]],
    confirmed: Mapping[int, Sequence[int]],
    supplier_ids: Sequence[int],
    slipped: Mapping[int, Sequence[int]] | None = None,
) -> dict[int, dict[str, Any]]:
    """Pure: each supplier's stored profile from the lateness histories."""
    slipped = slipped or {}
    options = {
        "prior_weight": float(backorder_settings.LATENESS_PRIOR_WEIGHT),
        "min_deliveries": int(backorder_settings.RELIABILITY_MIN_DELIVERIES),
        "max_days": int(backorder_settings.RELIABILITY_MAX_DELAY_DAYS),
    }
    pool = [value for values in plain.values() for value in values]
    pool_confirmed = [value for values in confirmed.values() for value in values]
    pool_slipped = [value for values in slipped.values() for value in values]
    pooled = supplier_lateness([], pool, **options)
    result = {}
    for supplier_id in supplier_ids:
        own = plain.get(supplier_id, [])
        own_confirmed = confirmed.get(supplier_id, [])
        profile: dict[str, Any] = {
            "deliveries": len(own),
            "confirmations": len(own_confirmed),
            "expected": as_json(supplier_lateness(own, pool, **options)),
            "pool": as_json(pooled),
        }
        if pool_confirmed:
            profile["confirmed"] = as_json(
                supplier_lateness(own_confirmed, pool_confirmed, **options)
            )
        if pool_slipped:
            own_slipped = slipped.get(supplier_id, [])
            profile["slips"] = len(own_slipped)
            profile["slipped"] = as_json(supplier_lateness(own_slipped, pool_slipped, **options))
        result[supplier_id] = profile
    return result


@transaction.atomic
def refresh_profiles(*, today: datetime.date | None = None) -> int:
    """Learn every supplier's lateness again and store what changed; returns how many changed.

    One read of the history (the latest ``BACKORDERS_RELIABILITY_WINDOW`` deliveries of each
    supplier in the last two years) and one update per supplier whose profile moved.
    """
    today = today or timezone.localdate()
    Supplier = get_model("oscar_backorders", "Supplier")
    plain, confirmed, slipped = _history(today=today)
    current = dict(Supplier._default_manager.values_list("pk", "lateness_profile"))
    changed = 0
    for supplier_id, profile in profiles(plain, confirmed, list(current), slipped).items():
        if current.get(supplier_id) != profile:
            Supplier._default_manager.filter(pk=supplier_id).update(lateness_profile=profile)
            changed += 1
    return changed


__all__ = ["as_json", "from_json", "profile_lateness", "profiles", "refresh_profiles"]
