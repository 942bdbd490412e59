"""SOQL date literals as ranges of days, evaluated against the org's clock.

Each literal is a half-open range of whole days [start, end) in UTC; `=` means inside it,
`<` before its start, `>` after its end
(https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.md).
As documented: LAST_N_DAYS:n runs from n days ago through today, NEXT_N_DAYS:n from tomorrow
for n days; LAST_N_<unit>:n and NEXT_N_<unit>:n leave out the current week, month, quarter
or year; N_<unit>_AGO:n is the one period n periods back. Weeks start on Sunday (the en_US
locale), quarters and years on January 1, fiscal quarters and years on the org's fiscal year
start month (Setup > Fiscal Year; `SalesforceSandbox(fiscal_year_start_month=...)`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

DayRange = tuple[date, date]

_FIXED = {"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}
_PERIODS = "WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR"
_COUNTED = "DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS"
_WORD = re.compile(
    rf"(?P<this>THIS|LAST|NEXT)_(?P<unit>{_PERIODS})"
    r"|(?P<rolling>LAST|NEXT)_90_DAYS"
    rf"|(?P<n_dir>LAST|NEXT)_N_(?P<n_unit>{_COUNTED})"
    rf"|N_(?P<ago_unit>{_COUNTED})_AGO"
)


def is_date_literal(word: str) -> bool:
    """A date literal's name, with or without its `:n` (checked by `needs_number`)."""
    name = word.upper()
    return name in _FIXED or _WORD.fullmatch(name) is not None


def needs_number(word: str) -> bool:
    """LAST_N_DAYS, N_WEEKS_AGO... take `:n`; the others take none."""
    found = _WORD.fullmatch(word.upper())
    return found is not None and bool(found.group("n_dir") or found.group("ago_unit"))


def day_range(word: str, n: int | None, today: date, fiscal_start_month: int = 1) -> DayRange:
    """The days a literal covers, e.g. ("LAST_N_DAYS", 30) -> (today - 30, tomorrow)."""
    name = word.upper()
    if name in _FIXED:
        day = today + timedelta(days=_FIXED[name])
        return day, day + timedelta(days=1)
    found = _WORD.fullmatch(name)
    if found is None:  # pragma: no cover - the parser only passes literal names
        raise ValueError(word)
    periods = _Periods(today, fiscal_start_month)
    if found.group("this"):
        offset = {"THIS": 0, "LAST": -1, "NEXT": 1}[found.group("this")]
        return periods.span(found.group("unit"), offset, offset + 1)
    if found.group("rolling"):
        return _rolling_days(found.group("rolling"), 90, today)
    count = n or 0
    if found.group("n_dir"):
        return _counted(periods, found.group("n_dir"), found.group("n_unit"), count)
    unit = found.group("ago_unit").removesuffix("S")
    return periods.span(unit, -count, -count + 1)


def _counted(periods: _Periods, direction: str, units: str, count: int) -> DayRange:
    """LAST_N_<units>:n and NEXT_N_<units>:n."""
    unit = units.removesuffix("S")
    if unit == "DAY":
        return _rolling_days(direction, count, periods.today)
    if direction == "LAST":
        return periods.span(unit, -count, 0)
    return periods.span(unit, 1, count + 1)


def _rolling_days(direction: str, n: int, today: date) -> DayRange:
    if direction == "LAST":  # n days back through today
        return today - timedelta(days=n), today + timedelta(days=1)
    return today + timedelta(days=1), today + timedelta(days=n + 1)  # tomorrow on, n days


class _Periods:
    """Weeks and month-based periods around today."""

    def __init__(self, today: date, fiscal_start_month: int) -> None:
        self.today = today
        self.fiscal = fiscal_start_month

    def span(self, unit: str, first: int, last: int) -> DayRange:
        """From the start of period `first` to the start of period `last` (0 = the current)."""
        if unit == "DAY":
            return self.today + timedelta(days=first), self.today + timedelta(days=last)
        if unit == "WEEK":
            sunday = self.today - timedelta(days=(self.today.weekday() + 1) % 7)
            return sunday + timedelta(weeks=first), sunday + timedelta(weeks=last)
        months, anchor = {
            "MONTH": (1, 1),
            "QUARTER": (3, 1),
            "YEAR": (12, 1),
            "FISCAL_QUARTER": (3, self.fiscal),
            "FISCAL_YEAR": (12, self.fiscal),
        }[unit]
        index = self.today.year * 12 + self.today.month - 1  # months since year 0
        start = index - (index - (anchor - 1)) % months
        return _month(start + first * months), _month(start + last * months)


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)
