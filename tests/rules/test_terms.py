"""Term dates: month ends, leap years, multi-year terms, partial months."""

from __future__ import annotations

from datetime import date

import pytest

from contract_rules import Term, TermLength, next_term, term_end, term_length


@pytest.mark.parametrize(
    ("start", "end", "renewal_start", "renewal_end"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1), date(2027, 12, 31)),
        (date(2026, 3, 15), date(2027, 3, 14), date(2027, 3, 15), date(2028, 3, 14)),
        (date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1), date(2026, 2, 28)),
        (date(2023, 3, 1), date(2024, 2, 29), date(2024, 3, 1), date(2025, 2, 28)),
        (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31)),
        (date(2025, 1, 1), date(2027, 12, 31), date(2028, 1, 1), date(2030, 12, 31)),
        (date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 30)),
    ],
)
def test_next_term_starts_the_day_after_and_has_the_same_length(
    start, end, renewal_start, renewal_end
):
    assert next_term(Term(start, end)) == Term(renewal_start, renewal_end)


def test_term_length_counts_whole_months_and_leftover_days():
    assert term_length(date(2026, 1, 1), date(2026, 12, 31)) == TermLength(12)
    assert term_length(date(2026, 1, 15), date(2026, 12, 31)) == TermLength(11, 17)
    assert term_length(date(2026, 1, 1), date(2026, 1, 10)) == TermLength(0, 10)


def test_term_end_of_a_leap_day_start_ends_on_the_last_day_of_february():
    assert term_end(date(2028, 2, 29), TermLength(12)) == date(2029, 2, 28)
    assert term_end(date(2028, 2, 29), TermLength(48)) == date(2032, 2, 28)


def test_term_day_count_includes_both_ends():
    assert Term(date(2028, 1, 1), date(2028, 12, 31)).days == 366
