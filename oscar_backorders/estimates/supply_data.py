"""What the engine needs to know about supply: open purchase-order lines and supplier lateness.

Two queries, whatever the number of stock records: the open lines (with their supplier's stored
lateness profile) and the stock records' suppliers. The profiles are learnt by
:func:`oscar_backorders.supply.reliability.refresh_profiles`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, DateField, F, IntegerField, Value, When
from oscar.core.loading import get_model

from oscar_backorders.estimates import engine
from oscar_backorders.estimates.lateness import ON_TIME, Lateness


def _lateness(profile: Any, *, confirmed: bool = False, slipped: bool = False) -> Lateness:
    from oscar_backorders.supply.reliability import profile_lateness

    return profile_lateness(profile, confirmed=confirmed, slipped=slipped)


def _pool(profile: Any) -> Lateness | None:
    from oscar_backorders.supply.reliability import from_json

    return from_json((profile or {}).get("pool"))


@dataclass(frozen=True, slots=True)
class Supply:
    """What :func:`load_supply` read: open lines and lateness per stock record."""

    inbound: dict[int, list[engine.Inbound]]
    leads: dict[int, Lateness]
    default_lead: Lateness

    def lead(self, stockrecord_id: int) -> Lateness:
        return self.leads.get(stockrecord_id, self.default_lead)


def load_supply(stockrecord_ids: Iterable[int] | None) -> Supply:
    """Open purchase-order lines per stock record (each with its supplier's lateness), and the
    lateness of each stock record's supplier for units beyond them. One query (``UNION ALL`` of
    the open lines and the stock records' suppliers).

    A line the supplier confirmed is dated from the confirmed date with the supplier's lateness
    against its confirmations; a line whose expected date was moved later (a slip) from that
    date with the lateness of the supplier's slipped lines against their slipped dates; other
    lines from the date expected. A stock record's
    supplier is its preferred one (``SupplierStockRecord``), else any, else the supplier of its
    open lines; with none, the shop's pooled history.
    """
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES

    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
    lines = PurchaseOrderLine._default_manager.filter(status__in=INBOUND_STATUSES).exclude(
        purchase_order__status="cancelled"
    )
    links = SupplierStockRecord._default_manager.all()
    if stockrecord_ids is not None:
        ids = list(stockrecord_ids)
        lines = lines.filter(stockrecord_id__in=ids)
        links = links.filter(stockrecord_id__in=ids)
    no_date = Value(None, output_field=DateField())
    no_number = Value(0, output_field=IntegerField())
    rows = (
        lines.order_by()
        .annotate(link_rank=Value(-1, output_field=IntegerField()))
        .values_list(
            "stockrecord_id",
            "link_rank",
            "expected_date",
            "first_expected_date",
            "confirmed_date",
            "quantity",
            "quantity_received",
            "purchase_order__supplier__lateness_profile",
        )
        .union(
            links.order_by()
            .annotate(
                link_rank=Case(
                    When(is_preferred=True, then=Value(0)),
                    default=F("pk"),
                    output_field=IntegerField(),
                ),
                d1=no_date,
                d2=no_date,
                d3=no_date,
                n1=no_number,
                n2=no_number,
            )
            .values_list(
                "stockrecord_id",
                "link_rank",
                "d1",
                "d2",
                "d3",
                "n1",
                "n2",
                "supplier__lateness_profile",
            ),
            all=True,
        )
    )
    inbound: dict[int, list[engine.Inbound]] = defaultdict(list)
    leads: dict[int, Lateness] = {}
    preferred: dict[int, tuple[int, Lateness]] = {}
    pool: Lateness | None = None
    for row in rows:
        sr_id, rank, expected, first_expected, confirmed, quantity, received, raw = row
        profile = _profile(raw)
        pool = pool or _pool(profile)
        if rank >= 0:  # a supplier of the stock record: the preferred one, else the first
            if sr_id not in preferred or rank < preferred[sr_id][0]:
                preferred[sr_id] = (rank, _lateness(profile))
            continue
        if confirmed is not None:
            item = engine.Inbound(
                confirmed, quantity - received, _lateness(profile, confirmed=True)
            )
        else:
            slipped = first_expected is not None and expected > first_expected
            item = engine.Inbound(
                expected, quantity - received, _lateness(profile, slipped=slipped)
            )
        inbound[sr_id].append(item)
        leads.setdefault(sr_id, _lateness(profile))
    leads.update({sr_id: lateness for sr_id, (_rank, lateness) in preferred.items()})
    return Supply(inbound, leads, pool or ON_TIME)


def _profile(raw: Any) -> Any:
    """A JSON column read through ``UNION`` may come back as text on some backends."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw


__all__ = ["Supply", "load_supply"]
