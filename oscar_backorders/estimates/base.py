"""The estimator interface: when would a backordered unit ship?

An estimator dates the *next* backordered units of each stock record (``StockSnapshot.quantity``
of them, all shipped), i.e. the date a customer ordering them now would be promised. The backbone ships :class:`~.lead_time.LeadTimeEstimator`; shops
(or the supply module) plug in another through ``BACKORDERS_ESTIMATOR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from django.utils.module_loading import import_string

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderConfigurationError
from oscar_backorders.policy import ResolvedPolicy


@dataclass(frozen=True, slots=True)
class StockSnapshot:
    """What an estimator may know about a stock record, as plain data."""

    stockrecord_id: int
    net_stock: int  # num_in_stock - num_allocated; negative when units wait on backorder
    policy: ResolvedPolicy
    quantity: int = 1  # units the customer buys beyond stock: the estimate is for the last one


@dataclass(frozen=True, slots=True)
class Estimate:
    day: date  # the promise: every unit ships by it with the shop's confidence
    source: str  # an EstimateSource value
    likely: date | None = None  # the most likely day (None: the estimator does not say)
    chance: float | None = None  # the chance of keeping ``day`` (None: the estimator does not say)


class Estimator(Protocol):
    def estimate_next(
        self, snapshots: Sequence[StockSnapshot], *, today: date
    ) -> dict[int, Estimate]:
        """Return, per stock record id, the date the next backordered unit would ship."""
        ...


@cache
def _load(path: str) -> Estimator:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise BackorderConfigurationError(
            f"BACKORDERS_ESTIMATOR = {path!r} cannot be imported: {exc}"
        ) from exc
    return cls()


def get_estimator() -> Estimator:
    """The estimator named by ``BACKORDERS_ESTIMATOR``."""
    return _load(backorder_settings.ESTIMATOR)
