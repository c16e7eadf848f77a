"""Which backorder policy applies to a stock record: its own, else its partner's, else the shop's.

``resolve_policy`` is pure. ``PolicyCache`` loads the policy rows a page needs in one query and
memoises them for the life of a strategy (i.e. one request), so list pages and baskets do not pay a
query per stock record. A shop with no policy at all pays no query: :func:`policies_exist` keeps
that fact in the shop's cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction
from django.db.models import Q
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.app_settings import backorder_settings


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """The policy in force for one stock record, every level already applied."""

    mode: str
    cap: int | None
    lead_time_days: int
    release_date: date | None
    # True when ``cap`` is what open purchase orders can fill (BACKORDERS_CAP_TO_INBOUND).
    cap_from_inbound: bool = False
    # Most units of the stock record one order may backorder, and one customer have waiting.
    order_cap: int | None = None
    customer_cap: int | None = None

    @property
    def allows_backorders(self) -> bool:
        return self.mode in (PolicyMode.BACKORDER, PolicyMode.PREORDER)

    @property
    def limits_customers(self) -> bool:
        """Whether a limit per order or per customer applies (see ``customer_limits``)."""
        return self.order_cap is not None or self.customer_cap is not None

    def effective_mode(self, today: date) -> str:
        """A pre-order whose release date has come is sold as an ordinary backorder."""
        if self.mode == PolicyMode.PREORDER and (
            self.release_date is None or self.release_date <= today
        ):
            return PolicyMode.BACKORDER
        return self.mode


@dataclass(frozen=True, slots=True)
class PolicyValues:
    """The fields of one policy row, as plain data."""

    mode: str = PolicyMode.INHERIT
    cap: int | None = None
    lead_time_days: int | None = None
    release_date: date | None = None
    order_cap: int | None = None
    customer_cap: int | None = None


OFF = ResolvedPolicy(mode=PolicyMode.OFF, cap=None, lead_time_days=1, release_date=None)


def resolve_policy(
    record: PolicyValues | None,
    partner: PolicyValues | None,
    *,
    default_mode: str,
    default_lead_time_days: int,
) -> ResolvedPolicy:
    """Merge the stock record's policy over the partner's over the shop defaults.

    ``mode`` falls through while it is ``inherit``; ``cap``, ``order_cap``, ``customer_cap`` and
    ``lead_time_days`` fall through while empty. The release date belongs to the stock record only.
    """
    levels = [p for p in (record, partner) if p is not None]
    mode = next((p.mode for p in levels if p.mode != PolicyMode.INHERIT), default_mode)
    if mode == PolicyMode.INHERIT:
        mode = PolicyMode.OFF
    cap = next((p.cap for p in levels if p.cap is not None), None)
    order_cap = next((p.order_cap for p in levels if p.order_cap is not None), None)
    customer_cap = next((p.customer_cap for p in levels if p.customer_cap is not None), None)
    lead = next((p.lead_time_days for p in levels if p.lead_time_days), default_lead_time_days)
    release = record.release_date if record is not None else None
    if mode == PolicyMode.PREORDER and release is None:
        # A pre-order without a date cannot promise anything: sell it as a backorder.
        mode = PolicyMode.BACKORDER
    return ResolvedPolicy(
        mode=mode,
        cap=cap,
        lead_time_days=lead,
        release_date=release,
        order_cap=order_cap,
        customer_cap=customer_cap,
    )


def _values(row: Any) -> PolicyValues:
    return PolicyValues(
        mode=row.mode,
        cap=row.cap,
        lead_time_days=row.lead_time_days,
        release_date=row.release_date,
        order_cap=row.order_cap,
        customer_cap=row.customer_cap,
    )


#: Key, in the shop's default cache, of "some backorder policy row exists".
POLICIES_EXIST_KEY = "oscar_backorders:policies-exist"
#: Seconds a process may trust "no policy exists" / "some policy exists" before asking again.
NO_POLICY_SECONDS = 60
SOME_POLICY_SECONDS = 3600


def policies_exist() -> bool | None:
    """Whether any backorder policy row exists (``None``: the shop's cache cannot say).

    Most shops that install the plugin start with no policy, and then every product is plain
    Oscar's: knowing that, a page needs no policy query. The fact lives in the shop's default
    cache so that every process sees a change:

    - saving a policy sets it to True at once and again when the save commits
      (:func:`policy_saved`), and a process that found no policy only *adds* False, so it never
      overwrites a True written meanwhile; with a cache the processes share (Redis, Memcached),
      the first policy counts everywhere as soon as it is committed;
    - with a per-process cache (Django's default ``LocMemCache``), other processes go on
      treating products as plain Oscar's for up to :data:`NO_POLICY_SECONDS` after the first
      policy is created. That is the safe side: a stale "no policy" only ever refuses what the
      new policy would allow (:class:`PolicyCache` takes the shortcut only while
      ``BACKORDERS_DEFAULT_MODE`` is "off"), never sells what it forbids;
    - True only costs the ordinary lookup, so deleting the last policy needs no invalidation: the
      fact is asked again after :data:`SOME_POLICY_SECONDS`.

    Writes that send no ``post_save`` (``QuerySet.update``, ``bulk_create``, raw SQL) must call
    :func:`policy_saved` themselves; the plugin's own code saves policies one by one.
    """
    cache = caches["default"]
    if isinstance(cache, DummyCache):
        return None
    exists = cache.get(POLICIES_EXIST_KEY)
    if exists is None:
        BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
        exists = BackorderPolicy._default_manager.exists()
        timeout = SOME_POLICY_SECONDS if exists else NO_POLICY_SECONDS
        cache.add(POLICIES_EXIST_KEY, exists, timeout)
    return bool(exists)


def policy_saved(*, using: str | None = None, **kwargs: Any) -> None:
    """A policy was created or changed: every process must look policies up again.

    Connected to ``post_save`` of ``BackorderPolicy`` (see ``receivers.py``). Set at once, so the
    saving transaction itself sees the policy, and again on commit, after which no process can
    still find no row and write False.
    """

    def mark() -> None:
        caches["default"].set(POLICIES_EXIST_KEY, True, SOME_POLICY_SECONDS)

    mark()
    transaction.on_commit(mark, using=using)


class PolicyCache:
    """Per-request memo of resolved policies, keyed by stock record id.

    The first lookup for a partner loads that partner's default and every stock-record policy of
    its stock records in one query (policies exist for the few products sold beyond stock, so
    this is small). A list page that shows twenty products of one partner then costs one query,
    not twenty. A partner with more than :attr:`partner_prefetch_limit` policies is looked up
    per batch of stock records instead.
    """

    #: Most stock-record policies loaded at once for a partner before falling back to per-batch.
    partner_prefetch_limit = 500

    def __init__(self, *, skip_when_none_exist: bool = False) -> None:
        # The customer's pages (the strategy) skip the lookup while no policy exists anywhere and
        # the shop-wide mode is "off" (see policies_exist); background work always looks up.
        self._none_exist: bool | None = None if skip_when_none_exist else False
        self._resolved: dict[int, ResolvedPolicy] = {}
        self._partner_rows: dict[int, PolicyValues | None] = {}
        self._record_rows: dict[int, PolicyValues] = {}
        # Partners whose every stock-record policy is in _record_rows; and those with too many.
        self._complete_partners: set[int] = set()
        self._large_partners: set[int] = set()

    def get(self, stockrecord: Any) -> ResolvedPolicy:
        """The policy for ``stockrecord``, loading it (alone) if it was not warmed."""
        if stockrecord.pk not in self._resolved:
            self.warm([stockrecord])
        return self._resolved[stockrecord.pk]

    def _store(self, rows: Iterable[Any]) -> None:
        for row in rows:
            if row.stockrecord_id is not None:
                self._record_rows[row.stockrecord_id] = _values(row)
            else:
                self._partner_rows[row.partner_id] = _values(row)

    def warm(self, stockrecords: Iterable[Any]) -> None:
        """Load the policies of every given stock record not yet known, in one query.

        (Two or three for a partner with more than :attr:`partner_prefetch_limit` policies.)
        """
        missing = {
            sr.pk: sr for sr in stockrecords if sr is not None and sr.pk not in self._resolved
        }
        if not missing:
            return
        if self._no_policy_anywhere():
            plain = resolve_policy(
                None,
                None,
                default_mode=PolicyMode.OFF,
                default_lead_time_days=backorder_settings.DEFAULT_LEAD_TIME_DAYS,
            )
            self._resolved.update(dict.fromkeys(missing, plain))
            return
        BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
        manager = BackorderPolicy._default_manager
        new_partners = (
            {sr.partner_id for sr in missing.values()}
            - self._complete_partners
            - self._large_partners
        )
        if new_partners:
            limit = self.partner_prefetch_limit
            rows = list(
                manager.filter(
                    Q(partner_id__in=list(new_partners))
                    | Q(stockrecord__partner_id__in=list(new_partners))
                ).order_by("pk")[: limit + len(new_partners) + 1]
            )
            if sum(row.stockrecord_id is not None for row in rows) <= limit:
                self._store(rows)
                self._complete_partners |= new_partners
            else:
                # Too many to hold: keep the partners' defaults, look records up per batch.
                self._store(manager.filter(partner_id__in=list(new_partners)))
                self._large_partners |= new_partners
            for partner_id in new_partners:
                self._partner_rows.setdefault(partner_id, None)
        unknown = [
            pk
            for pk, sr in missing.items()
            if sr.partner_id not in self._complete_partners and pk not in self._record_rows
        ]
        if unknown:
            self._store(manager.filter(stockrecord_id__in=unknown))
        default_mode = backorder_settings.DEFAULT_MODE
        default_lead = backorder_settings.DEFAULT_LEAD_TIME_DAYS
        for pk, sr in missing.items():
            self._resolved[pk] = resolve_policy(
                self._record_rows.get(pk),
                self._partner_rows.get(sr.partner_id),
                default_mode=default_mode,
                default_lead_time_days=default_lead,
            )
        if backorder_settings.CAP_TO_INBOUND:
            self._cap_to_inbound([pk for pk in missing if self._resolved[pk].allows_backorders])

    def none_exist(self) -> bool:
        """True when every stock record resolves to "off" without a lookup (asked once)."""
        return self._no_policy_anywhere()

    def _no_policy_anywhere(self) -> bool:
        """True when every stock record resolves to "off" without a lookup (asked once)."""
        if self._none_exist is None:
            self._none_exist = (
                backorder_settings.DEFAULT_MODE == PolicyMode.OFF and policies_exist() is False
            )
        return self._none_exist

    def _cap_to_inbound(self, stockrecord_ids: list[int]) -> None:
        """Cap mode "only what inbound supply can fill": units still expected on open purchase
        orders plus ``BACKORDERS_INBOUND_ALLOWANCE``, or the policy's own cap if lower.

        With ``BACKORDERS_INBOUND_ALLOWANCE_FROM_FORECAST`` the allowance is at least the demand
        the stored forecast expects over the lead time (one more query), so it rises before a
        promotion the merchant entered, not after it."""
        if not stockrecord_ids:
            return
        PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
        inbound: dict[int, int] = dict.fromkeys(stockrecord_ids, 0)
        for sr_id, quantity, received in (
            PurchaseOrderLine._default_manager.filter(
                stockrecord_id__in=stockrecord_ids,
                status__in=("open", "partial"),
            )
            .exclude(purchase_order__status="cancelled")
            .values_list("stockrecord_id", "quantity", "quantity_received")
        ):
            inbound[sr_id] += quantity - received
        allowance = max(int(backorder_settings.INBOUND_ALLOWANCE), 0)
        expected: dict[int, int] = {}
        if backorder_settings.INBOUND_ALLOWANCE_FROM_FORECAST:
            DemandForecast = get_model("oscar_backorders", "DemandForecast")
            expected = dict(
                DemandForecast._default_manager.filter(
                    stockrecord_id__in=stockrecord_ids
                ).values_list("stockrecord_id", "lead_time_demand")
            )
        for sr_id, units in inbound.items():
            policy = self._resolved[sr_id]
            cap = units + max(allowance, expected.get(sr_id, 0))
            if policy.cap is None or cap < policy.cap:
                self._resolved[sr_id] = replace(policy, cap=cap, cap_from_inbound=True)

    def known(self) -> dict[int, ResolvedPolicy]:
        return dict(self._resolved)
