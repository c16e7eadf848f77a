"""Estimates from lead times and release dates alone (no knowledge of inbound supply)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from oscar_backorders.abstract_models import EstimateSource, PolicyMode
from oscar_backorders.estimates.base import Estimate, StockSnapshot
from oscar_backorders.estimates.calendar import add_business_days
from oscar_backorders.estimates.shop_calendar import shop_calendar


def lead_time_estimate(
    snapshot: StockSnapshot,
    *,
    today: date,
    weekend: tuple[int, ...],
    holidays: Collection[date],
    handling_days: int,
) -> Estimate:
    """Pure rule: today + lead time (+ handling) in business days; a pre-order waits for release.

    A pre-order whose units are in stock ships on its release date; one beyond stock ships on the
    later of the release date and the lead-time date.
    """
    policy = snapshot.policy
    by_lead_time = add_business_days(
        today, policy.lead_time_days + handling_days, weekend=weekend, holidays=holidays
    )
    if policy.effective_mode(today) == PolicyMode.PREORDER and policy.release_date is not None:
        release = add_business_days(policy.release_date, 0, weekend=weekend, holidays=holidays)
        if snapshot.net_stock > 0 or release >= by_lead_time:
            return Estimate(release, EstimateSource.RELEASE_DATE)
    return Estimate(by_lead_time, EstimateSource.LEAD_TIME)


class LeadTimeEstimator:
    """Default estimator: one rule per stock record, no queries."""

    def estimate_next(
        self, snapshots: Sequence[StockSnapshot], *, today: date
    ) -> dict[int, Estimate]:
        cal = shop_calendar()
        return {
            s.stockrecord_id: lead_time_estimate(
                s,
                today=today,
                weekend=cal.weekend,
                holidays=cal.holidays,
                handling_days=cal.handling_days,
            )
            for s in snapshots
        }
