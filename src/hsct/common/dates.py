"""Calendar arithmetic used by the eligibility engine and the journey planner.

Months are calendar months: 31 January plus one month is 28 (or 29) February, never March.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final

#: The dates the tool computes with: every date a person gives must lie between these.
DATE_MIN: Final = dt.date(1900, 1, 1)
DATE_MAX: Final = dt.date(2100, 12, 31)
DATE_RANGE: Final = f"a date from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"


class DateOutOfRangeError(ValueError):
    """A date before :data:`DATE_MIN` or after :data:`DATE_MAX` (a ValueError, for pydantic)."""


def in_range(day: dt.date) -> dt.date:
    """``day`` itself, or :class:`DateOutOfRangeError` when outside the dates we compute with.

    >>> in_range(dt.date(2026, 11, 23))
    datetime.date(2026, 11, 23)
    >>> in_range(dt.date(1, 1, 1))
    Traceback (most recent call last):
    ...
    hsct.common.dates.DateOutOfRangeError: is outside the dates this tool can compute with
    """
    if not DATE_MIN <= day <= DATE_MAX:
        raise DateOutOfRangeError("is outside the dates this tool can compute with")
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, clamped to the end of a shorter month.

    Examples
    --------
    >>> add_months(dt.date(2024, 1, 31), 1), add_months(dt.date(2024, 3, 31), -1)
    (datetime.date(2024, 2, 29), datetime.date(2024, 2, 29))
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_fractional_months(day: dt.date, months: float) -> dt.date:
    """Whole months by the calendar, any fraction as days of an average month (30.44 days).

    Examples
    --------
    >>> add_fractional_months(dt.date(2026, 1, 15), 1.5)
    datetime.date(2026, 3, 2)
    """
    whole = int(months)
    rest = months - whole
    return add_months(day, whole) + dt.timedelta(days=round(rest * 30.44))


def completed_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end``: age as people give it.

    Someone born on 29 February turns a year older on 1 March in other years.

    Examples
    --------
    >>> completed_years(dt.date(1980, 6, 15), dt.date(2026, 6, 14))
    45
    >>> completed_years(dt.date(1980, 6, 15), dt.date(2026, 6, 15))
    46
    """
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def years_between(start: dt.date, end: dt.date) -> float:
    """Elapsed years as a decimal (days / 365.25), for durations such as years since diagnosis.

    Examples
    --------
    >>> round(years_between(dt.date(2016, 1, 1), dt.date(2026, 1, 1)), 2)
    10.0
    """
    return (end - start).days / 365.25


def months_between(start: dt.date, end: dt.date) -> float:
    """Elapsed months as a decimal (days / 30.44)."""
    return (end - start).days / 30.44


def birthday(born: dt.date, age: int) -> dt.date:
    """The day a person born on ``born`` turns ``age`` (29 February becomes 1 March).

    Examples
    --------
    >>> birthday(dt.date(2000, 2, 29), 25)
    datetime.date(2025, 3, 1)
    """
    year = born.year + age
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)
