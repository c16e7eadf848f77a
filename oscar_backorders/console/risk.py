"""The promise risk in the backorder queue: a column with each line's chance of missing the date
it is promised now, and a filter for the lines at risk.

``miss_risk`` (0–1) is written by the nightly recompute; a line not yet assessed has none and
shows an empty cell. The thresholds follow the settings, read when the filter runs:

* *at risk*: ``miss_risk > 1 − BACKORDERS_PROMISE_CONFIDENCE``, the promise is less likely to be
  kept than when it was made;
* *likely to be missed*: ``miss_risk ≥ 1 − BACKORDERS_PROMISE_REVISE_BELOW``, the recompute
  revises it (these are at risk too);
* *on track*: assessed and not at risk.

Only open lines (waiting or ready to ship) are filtered: a shipped or cancelled line keeps the
risk it last had, which no longer means anything.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.app_settings import backorder_settings

OPEN_STATUSES = (BackorderStatus.WAITING, BackorderStatus.ALLOCATED)


def at_risk_above() -> float:
    """The chance of missing above which a promise is less likely kept than when it was made."""
    return round(1 - float(backorder_settings.PROMISE_CONFIDENCE), 9)


def likely_missed_from() -> float:
    """The chance of missing from which the recompute revises a promise."""
    return round(1 - float(backorder_settings.PROMISE_REVISE_BELOW), 9)


def percentage(risk: float | None) -> str | None:
    """``risk`` (0–1) as a whole, localised percentage; "< 1 %" and "> 99 %" at the ends."""
    if risk is None:
        return None
    percent = (Decimal(str(risk)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if risk > 0 and percent < 1:
        return str(_("< %(percent)s%%") % {"percent": number_format(1)})
    if risk < 1 and percent > 99:
        return str(_("> %(percent)s%%") % {"percent": number_format(99)})
    return str(_("%(percent)s%%") % {"percent": number_format(percent, decimal_pos=0)})


class PromiseRiskColumns:
    """A ``ModelAdmin`` mixin: the ``chance_of_missing`` column (and read-only field)."""

    @admin.display(description=_("chance of missing"), ordering="miss_risk", empty_value="")
    def chance_of_missing(self, obj: Any) -> str | None:
        return percentage(obj.miss_risk)


class PromiseRiskFilter(admin.SimpleListFilter):
    """Open lines by the chance of missing the date they are promised now."""

    title = _("promise risk")
    parameter_name = "risk"
    AT_RISK = "at_risk"
    LIKELY_MISSED = "likely_missed"
    ON_TRACK = "on_track"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.AT_RISK, _("At risk")),
            (self.LIKELY_MISSED, _("Likely to be missed")),
            (self.ON_TRACK, _("On track")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value is None:
            return queryset
        open_lines = queryset.filter(status__in=OPEN_STATUSES)
        if value == self.AT_RISK:
            return open_lines.filter(miss_risk__gt=at_risk_above())
        if value == self.LIKELY_MISSED:
            return open_lines.filter(miss_risk__gte=likely_missed_from())
        if value == self.ON_TRACK:
            return open_lines.filter(miss_risk__lte=at_risk_above())
        messages.error(
            request,
            _("Promise risk: choose at risk, likely to be missed or on track, not %(value)s.")
            % {"value": value},
        )
        return queryset.none()
