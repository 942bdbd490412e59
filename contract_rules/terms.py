"""Term dates: lengths in months (plus days), anniversaries, the next term.

A month-based anniversary whose day does not exist in the target month rolls forward to the
first of the next month (Jan 31 + 1 month -> Mar 1), so a term that starts on the last day
of a month ends on the last day of a month: 2024-02-29 + 12 months ends 2025-02-28, and
2026-01-31 + 1 month ends 2026-02-28. A term that is not a whole number of months is
"m months and d days"; its renewal has the same m months and d days from its own start.

The two calculations are memoised: contracts cluster on a few dates
(month starts and ends), and this runs for every subscription.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final

ONE_DAY: Final = timedelta(days=1)
_DAYS_PER_YEAR: Final = Decimal(365)
_TWELVE: Final = Decimal(12)


@dataclass(frozen=True)
class TermLength:
    """A term's length as whole months plus leftover days (0 for whole-month terms)."""

    months: int
    days: int = 0

    @property
    def years_fraction(self) -> Decimal:
        """The term in years: months / 12, plus leftover days / 365 (docs/rules.md)."""
        return years_fraction(self.months, self.days)


@dataclass(frozen=True)
class Term:
    """An inclusive range of days: `end` is the last day of service."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days of service, both ends included."""
        return (self.end - self.start).days + 1


@lru_cache(maxsize=4_096)
def years_fraction(months: int, days: int) -> Decimal:
    """Months / 12 plus days / 365; memoised, as terms come in a handful of lengths."""
    value = Decimal(months) / _TWELVE
    return value + Decimal(days) / _DAYS_PER_YEAR if days else value


def anniversary(start: date, months: int) -> date:
    """`start` moved by `months`; a missing day rolls forward to the 1st of the next month."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


@lru_cache(maxsize=65_536)
def term_length(start: date, end: date) -> TermLength:
    """The largest whole number of months fitting in [start, end], plus leftover days."""
    after = end + ONE_DAY
    months = (after.year - start.year) * 12 + after.month - start.month
    boundary = anniversary(start, months)
    while months > 0 and boundary > after:
        months -= 1
        boundary = anniversary(start, months)
    return TermLength(months, (after - boundary).days)


@lru_cache(maxsize=65_536)
def term_end(start: date, length: TermLength) -> date:
    """The last day of a term of `length` starting on `start`."""
    return anniversary(start, length.months) + timedelta(days=length.days) - ONE_DAY


def next_term(current: Term) -> Term:
    """The renewal term: starts the day after `current` ends, same length."""
    return renewal_term(current.start, current.end)[1]


@lru_cache(maxsize=65_536)
def renewal_term(start: date, end: date) -> tuple[TermLength, Term]:
    """The length of the term [start, end] and the renewal term that follows it (memoised:
    one cache look-up instead of three per subscription)."""
    length = term_length(start, end)
    after = end + ONE_DAY
    return length, Term(after, term_end(after, length))
