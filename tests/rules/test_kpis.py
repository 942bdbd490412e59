"""Renewal KPIs on hand-built renewals, each answer worked out here (docs/report.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contract_rules.kpis import DueRenewal, renewal_kpis, retention, split_kpis

D = Decimal
START, END = date(2026, 1, 1), date(2026, 12, 31)


def _r(key: str, status: str, amount: str, prior: str, *, due: date = date(2026, 6, 30),
       segment: str = "standard", owner: str = "Ann") -> DueRenewal:  # fmt: skip
    return DueRenewal(key, f"acc-{key}", f"Account {key}", segment, owner, due, status,
                      D(amount), D(prior))  # fmt: skip


RENEWALS = [
    _r("a", "won", "12000", "10000"),  # renewed with an uplift
    _r("b", "won", "5000", "5000", owner="Bob"),
    _r("c", "lost", "0", "8000", segment="enterprise"),
    _r("d", "open", "7000", "7000", owner="Bob"),
    _r("e", "won", "3000", "3000", due=date(2025, 12, 31)),  # due before the period
]


def test_resolution_close_and_conversion_rates() -> None:
    kpis = renewal_kpis(RENEWALS, START, END)
    # due in 2026: a, b, c, d -> 4; settled: a, b (won), c (lost) -> 3
    assert (kpis.due, kpis.won, kpis.lost, kpis.open) == (4, 2, 1, 1)
    assert kpis.resolution_rate == D("0.7500")  # 3 / 4
    assert kpis.close_rate == D("0.6667")  # 2 / 3
    # renewed 12,000 + 5,000 = 17,000 of prior 10,000 + 5,000 + 8,000 + 7,000 = 30,000
    assert kpis.renewed_amount == D("17000")
    assert kpis.prior_amount == D("30000")
    assert kpis.conversion_rate == D("0.5667")


def test_conversion_can_exceed_one_and_nothing_due_has_no_rates() -> None:
    up = renewal_kpis([_r("a", "won", "15000", "10000")], START, END)
    assert up.conversion_rate == D("1.5000")  # 150 %: an expansion at renewal
    empty = renewal_kpis([], START, END)
    assert (empty.resolution_rate, empty.close_rate, empty.conversion_rate) == (None, None, None)


def test_split_by_segment_and_owner_keeps_the_counts_behind_each_ratio() -> None:
    by_owner = split_kpis(RENEWALS, START, END, lambda r: r.owner)
    assert by_owner["Bob"].due == 2  # b won, d open
    assert by_owner["Bob"].resolution_rate == D("0.5000")
    assert by_owner["Ann"].close_rate == D("0.5000")  # a won, c lost
    by_segment = split_kpis(RENEWALS, START, END, lambda r: r.segment)
    assert by_segment["enterprise"].close_rate == D("0.0000")


def test_gross_and_net_retention_from_arr_at_the_start() -> None:
    at_start = {"a": D(10000), "b": D(5000), "c": D(8000)}
    at_end = {"a": D(12000), "b": D(4000), "new": D(9000)}  # c churned, "new" arrived
    kept = retention(lambda day: at_start if day == START else at_end, START, END)
    # GRR: (min(12,000, 10,000) + min(4,000, 5,000) + 0) / 23,000 = 14,000 / 23,000
    assert kept.grr == D("0.6087")
    # NRR: (12,000 + 4,000 + 0) / 23,000 = 16,000 / 23,000; the new account is not counted
    assert kept.nrr == D("0.6957")
    assert (kept.accounts, kept.arr_start, kept.arr_end) == (3, D(23000), D(16000))
    assert retention(lambda day: {}, START, END).grr is None
