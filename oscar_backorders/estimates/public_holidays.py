"""Closed days: the shop's own dates merged with a country's public holidays.

The public holidays come from the ``holidays`` package (``BACKORDERS_HOLIDAY_COUNTRY``, with an
optional ``BACKORDERS_HOLIDAY_SUBDIVISION``). Moving feasts (Easter, Ascension, Whit Monday, …)
differ every year, so a year's dates are computed the first time a date in it is asked about and
kept for the process (:func:`public_holidays`); nothing is stored in the database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date

#: (country, subdivision, year) -> that year's public holidays; a few entries per process.
_YEARS: dict[tuple[str, str | None, int], frozenset[date]] = {}


def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``country`` (and ``subdivision``) in ``year``, cached per year.

    Raises ``NotImplementedError`` (from ``holidays``) for a country or subdivision it does not
    know; the settings check refuses those before this runs.
    """
    key = (country, subdivision, year)
    found = _YEARS.get(key)
    if found is None:
        import holidays  # on first use: shops without a holiday country never import it

        found = frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))
        _YEARS[key] = found
    return found


def supported_subdivisions(country: str) -> tuple[str, ...] | None:
    """The subdivision codes of ``country``, or ``None`` when ``holidays`` has no such country."""
    import holidays

    found = holidays.list_supported_countries().get(country)
    return None if found is None else tuple(found)


class ClosedDays(Collection[date]):
    """The days the shop does not work besides its weekend: its own dates and public holidays.

    Answers ``day in closed_days`` for any year without a list built in advance. Iterating
    gives the shop's own dates and the public holidays of the years asked about so far.
    """

    __slots__ = ("_own", "country", "subdivision")

    def __init__(
        self,
        own: Collection[date] = (),
        *,
        country: str | None = None,
        subdivision: str | None = None,
    ) -> None:
        self._own = frozenset(own)
        self.country = country
        self.subdivision = subdivision

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self._own:
            return True
        return self.country is not None and day in public_holidays(
            self.country, self.subdivision, day.year
        )

    def __iter__(self) -> Iterator[date]:
        return iter(sorted(self._own | self._loaded()))

    def __len__(self) -> int:
        return len(self._own | self._loaded())

    def _loaded(self) -> frozenset[date]:
        if self.country is None:
            return frozenset()
        # Only the years already computed: iterating must not compute every year there is.
        region = (self.country, self.subdivision)
        return frozenset().union(*(days for key, days in _YEARS.items() if key[:2] == region))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClosedDays):
            return NotImplemented
        return (self._own, self.country, self.subdivision) == (
            other._own,
            other.country,
            other.subdivision,
        )

    def __hash__(self) -> int:
        return hash((self._own, self.country, self.subdivision))

    def __repr__(self) -> str:
        region = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"ClosedDays({len(self._own)} own dates, public holidays: {region or 'none'})"
