"""What a ``BACKORDERS_*`` setting's value may be: the rule kinds :data:`~oscar_backorders.app_settings.RULES`
is built from. Each rule says what is wrong with a value (or nothing), and carries the stable
system-check id ``manage.py check`` reports it with (docs/settings.md lists them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

#: Every setting of the plugin is named ``BACKORDERS_<NAME>`` in the Django settings.
PREFIX = "BACKORDERS_"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What a setting's value must be; a value that is not is reported with ``check_id``."""

    check_id: str
    #: Extra advice for the hint (the hint always names the setting and its default).
    advice: str = ""

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` ("it must be …"), or ``None`` when it is fine."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class WholeNumber(Rule):
    minimum: int = 0
    maximum: int | None = None
    none_allowed: bool = False

    def problem(self, value: Any) -> str | None:
        if value is None and self.none_allowed:
            return None
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value >= self.minimum
            and (self.maximum is None or value <= self.maximum)
        ):
            return None
        if self.maximum is not None:
            return f"it must be a whole number from {self.minimum} to {self.maximum}"
        return f"it must be a whole number of {self.minimum} or more" + (
            ", or None" if self.none_allowed else ""
        )


@dataclass(frozen=True, kw_only=True)
class Fraction(Rule):
    """A number from ``minimum`` up to, not including, ``below``."""

    minimum: float
    below: float

    def problem(self, value: Any) -> str | None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and self.minimum <= value < self.below:
            return None
        return f"it must be a number from {self.minimum} up to (not including) {self.below}"


@dataclass(frozen=True, kw_only=True)
class OneOf(Rule):
    choices: tuple[str, ...]

    def problem(self, value: Any) -> str | None:
        if isinstance(value, str) and value in self.choices:
            return None
        return "it must be one of " + ", ".join(repr(choice) for choice in self.choices)


@dataclass(frozen=True, kw_only=True)
class Flag(Rule):
    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else "it must be True or False"


@dataclass(frozen=True, kw_only=True)
class Text(Rule):
    empty_allowed: bool = True
    none_allowed: bool = False
    #: A non-empty value must start with one of these (``("pk_",)``, ``("https://",)``).
    starts_with: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        if value is None and self.none_allowed:
            return None
        if isinstance(value, str) and (value or self.empty_allowed):
            if not value or not self.starts_with or value.startswith(self.starts_with):
                return None
            return "it must start with " + " or ".join(repr(p) for p in self.starts_with)
        kind = "a string" if self.empty_allowed else "a non-empty string"
        return f"it must be {kind}" + (", or None" if self.none_allowed else "")


@dataclass(frozen=True, kw_only=True)
class Texts(Rule):
    """A list or tuple of strings (email addresses when ``emails``)."""

    none_allowed: bool = False
    emails: bool = False

    def problem(self, value: Any) -> str | None:
        if value is None and self.none_allowed:
            return None
        kind = "email addresses" if self.emails else "strings"
        expected = f"it must be a list or tuple of {kind}" + (
            ", or None" if self.none_allowed else ""
        )
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return expected
        for item in value if self.emails else ():
            try:
                validate_email(item)
            except ValidationError:
                return f"{item!r} is not an email address"
        return None


@dataclass(frozen=True, kw_only=True)
class Host(Rule):
    """A host name with an optional port (``shop.example.com``, ``127.0.0.1:8000``), or None."""

    def problem(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value and not any(c in value for c in "/ ?#@"):
            return None
        return 'it must be a host name with an optional port, such as "shop.example.com", or None'


@dataclass(frozen=True, kw_only=True)
class DottedPath(Rule):
    """The dotted path of an importable object that has ``attribute`` (callable when empty)."""

    attribute: str = ""
    none_allowed: bool = False

    def problem(self, value: Any) -> str | None:
        from django.utils.module_loading import import_string

        if value is None and self.none_allowed:
            return None
        if not isinstance(value, str) or "." not in value:
            return "it must be the dotted path of " + self._kind()
        try:
            found = import_string(value)
        except Exception as exc:  # whatever the shop's module raises on import, say it
            return f"it cannot be imported ({type(exc).__name__}: {exc})"
        if self.attribute and not hasattr(found, self.attribute):
            return f"it must name {self._kind()}, and it has no {self.attribute}"
        if not self.attribute and not callable(found):
            return "it must name a callable"
        return None

    def _kind(self) -> str:
        return f"a class with {self.attribute}" if self.attribute else "a callable"


@dataclass(frozen=True, kw_only=True)
class Weekdays(Rule):
    def problem(self, value: Any) -> str | None:
        days = value if isinstance(value, list | tuple | set | frozenset) else None
        if days is None or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days
        ):
            return "it must be a tuple of ISO weekday numbers, Monday=1 to Sunday=7"
        if len(set(days)) == 7:
            return "a week needs at least one business day"
        return None


@dataclass(frozen=True, kw_only=True)
class Dates(Rule):
    def problem(self, value: Any) -> str | None:
        if not isinstance(value, list | tuple | set | frozenset):
            return 'it must be a tuple of dates or ISO date strings ("2026-12-25")'
        for item in value:
            if isinstance(item, datetime.date) and not isinstance(item, datetime.datetime):
                continue
            try:
                datetime.date.fromisoformat(item)
            except (TypeError, ValueError):
                return f"{item!r} is not a date or an ISO date string (YYYY-MM-DD)"
        return None


@dataclass(frozen=True, kw_only=True)
class Minutes(Rule):
    """A non-empty sequence of positive numbers of minutes."""

    def problem(self, value: Any) -> str | None:
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value)
        ):
            return None
        return "it must be a non-empty tuple of positive numbers of minutes"


@dataclass(frozen=True, kw_only=True)
class Voucher(Rule):
    """``{"benefit_type": "Percentage" | "Absolute", "value": <positive>, "valid_days": <int>}``."""

    def problem(self, value: Any) -> str | None:
        from decimal import Decimal, InvalidOperation

        expected = (
            'it must be a dict like {"benefit_type": "Percentage", "value": "10", '
            '"valid_days": 90} (benefit_type "Percentage" or "Absolute")'
        )
        if not isinstance(value, dict) or set(value) - {"benefit_type", "value", "valid_days"}:
            return expected
        if value.get("benefit_type", "Percentage") not in ("Percentage", "Absolute"):
            return expected
        try:
            amount = Decimal(str(value.get("value", "10")))
        except InvalidOperation:
            return expected
        days = value.get("valid_days", 90)
        if not amount > 0 or not isinstance(days, int) or isinstance(days, bool) or days < 1:
            return expected
        return None


@dataclass(frozen=True, kw_only=True)
class HolidayRegion(Rule):
    """A country code the ``holidays`` package knows, or one of that country's subdivisions
    (``of_country``: the setting naming the country), or None."""

    of_country: str = ""

    def problem(self, value: Any) -> str | None:
        from oscar_backorders.estimates.public_holidays import supported_subdivisions

        if value is None:
            return None
        if not isinstance(value, str) or not value:
            return 'it must be a code such as "NL", or None'
        if not self.of_country:
            if supported_subdivisions(value) is None:
                return 'it is not a country code the holidays package knows (ISO 3166-1, "NL")'
            return None
        from django.conf import settings

        country = getattr(settings, PREFIX + self.of_country, None)
        if country is None:
            return f"it needs {PREFIX}{self.of_country} to name the country"
        subdivisions = supported_subdivisions(country) if isinstance(country, str) else None
        if subdivisions is not None and value not in subdivisions:
            return f"it is not a subdivision of {country} (it has: {', '.join(subdivisions)})"
        return None
