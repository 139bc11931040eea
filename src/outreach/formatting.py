"""Locale-aware Jinja2 filters backed by Babel (CLDR data).

Each filter is bound to one locale (and, for times, the audience's time zone)::

    >>> filters = babel_filters("fr", "Europe/Paris")
    >>> filters["number"](300000) == "300\\u202f000"
    True
    >>> filters["date"]("2014-02-06", "long")
    '6 février 2014'
    >>> babel_filters("es")["list"](["Madrid", "Lisboa", "París"])
    'Madrid, Lisboa y París'

Strings in ISO 8601 (from ``--var deadline=2014-02-06``) are accepted where dates are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from outreach.files import note_zone

__all__ = ["babel_filters", "to_date", "to_datetime"]

Number = int | float | Decimal | str


def to_date(value: dt.date | str) -> dt.date:
    """A date from a ``date``/``datetime`` or an ISO 8601 string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def to_datetime(value: dt.datetime | dt.date | str, zone: ZoneInfo | None) -> dt.datetime:
    """An aware datetime; naive values are taken to be in ``zone`` (or UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or dt.UTC)
    return value


def _number(value: Number) -> Number:
    if isinstance(value, str):
        return Decimal(value.strip())
    return value


def babel_filters(locale: str, timezone: str | None = None) -> dict[str, Callable[..., Any]]:
    """``number``, ``percent``, ``compact``, ``currency``, ``date``, ``datetime``, ``time`` and
    ``list`` filters for ``locale``."""
    from babel import Locale, dates, lists, numbers

    loc = Locale.parse(locale)
    zone = ZoneInfo(timezone) if timezone else None
    if timezone:
        note_zone(timezone)  # what a kept output depends on (outreach.recall)

    def number(value: Number, format: str | None = None) -> str:
        return numbers.format_decimal(_number(value), format=format, locale=loc)

    def percent(value: Number, format: str | None = None) -> str:
        return numbers.format_percent(_number(value), format=format, locale=loc)

    def compact(value: Number, format_type: str = "short", fraction_digits: int = 0) -> str:
        return numbers.format_compact_decimal(
            _number(value),
            format_type=format_type,  # type: ignore[arg-type]
            fraction_digits=fraction_digits,
            locale=loc,
        )

    def currency(value: Number, code: str) -> str:
        return numbers.format_currency(_number(value), code, locale=loc)

    def date(value: dt.date | str, format: str = "medium") -> str:
        return dates.format_date(to_date(value), format=format, locale=loc)

    def datetime(value: dt.datetime | dt.date | str, format: str = "medium") -> str:
        moment = to_datetime(value, zone)
        return dates.format_datetime(
            moment, format=format, tzinfo=zone or moment.tzinfo, locale=loc
        )

    def time(value: dt.datetime | dt.time | str, format: str = "short") -> str:
        if isinstance(value, dt.time):
            return dates.format_time(value, format=format, locale=loc)
        moment = to_datetime(value, zone)
        return dates.format_time(moment, format=format, tzinfo=zone or moment.tzinfo, locale=loc)

    def list_(items: Iterable[object], style: str = "standard") -> str:
        return lists.format_list([str(i) for i in items], style=style, locale=loc)  # type: ignore[arg-type]

    return {
        "number": number,
        "percent": percent,
        "compact": compact,
        "currency": currency,
        "date": date,
        "datetime": datetime,
        "time": time,
        "list": list_,
    }
