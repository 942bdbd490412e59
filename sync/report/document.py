"""The report as one document: KPIs, the renewal calendar, the at-risk list, retention.

Its JSON form is stable (docs/report.md): money and ratios are decimal strings, a ratio of
0.5 meaning 50 %, and a ratio with no denominator is null. The terminal tables, the CSV
files and the HTML page are all drawn from this one document.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from contract_rules.kpis import DueRenewal, RenewalKpis, renewal_kpis, retention, split_kpis
from sync.report.gather import ReportInputs

HORIZONS = (30, 60, 90, 120, 150, 180)
AT_RISK_DAYS = 150
AT_RISK_TIERS = frozenset({"red", "yellow"})
WEAK_PART = Decimal(70)  # a health part below green pulls the score down


def year_to(day: date) -> date:
    """The first day of the twelve months that end on `day` (the report's default period)."""
    try:
        return day.replace(year=day.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February: a year before is 28 February
        return day.replace(year=day.year - 1, day=28) + timedelta(days=1)


def build(inputs: ReportInputs, start: date, end: date) -> dict[str, Any]:
    """The whole report for renewals due in [start, end], as of `inputs.as_of`."""
    due = inputs.renewals
    return {
        "as_of": inputs.as_of.isoformat(),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "kpis": _kpis(renewal_kpis(due, start, end)) | _retention(inputs, start, end),
        "by_segment": _split(inputs, start, end, _segment, inputs.segments),
        "by_owner": _split(inputs, start, end, _owner, inputs.owners),
        "calendar": _calendar(inputs),
        "at_risk": _at_risk(inputs),
        "retention_by_quarter": _quarters(inputs, start, end),
    }


def _split(
    inputs: ReportInputs,
    start: date,
    end: date,
    by: Callable[[DueRenewal], str],
    of_account: dict[str, str],
) -> dict[str, Any]:
    """The KPIs per segment (or owner), each with its accounts' GRR and NRR."""
    kpis = split_kpis(inputs.renewals, start, end, by)
    found: dict[str, Any] = {}
    for name in sorted(set(kpis) | set(of_account.values())):
        accounts = {a for a, v in of_account.items() if v == name}
        kept = retention(partial(_arr_of, inputs, accounts), start, end)
        row = _kpis(kpis[name]) if name in kpis else _kpis(renewal_kpis([], start, end))
        found[name] = row | {"grr": _text(kept.grr), "nrr": _text(kept.nrr)}
    return found


def _arr_of(inputs: ReportInputs, accounts: set[str], day: date) -> dict[str, Decimal]:
    return {a: v for a, v in inputs.arr_on(day).items() if a in accounts}


def _segment(renewal: DueRenewal) -> str:
    return renewal.segment


def _owner(renewal: DueRenewal) -> str:
    return renewal.owner


_MONEY = frozenset({"renewed_amount", "prior_amount"})


def _kpis(kpis: RenewalKpis) -> dict[str, Any]:
    return {k: _money(v) if k in _MONEY else _text(v) for k, v in asdict(kpis).items()}


def _retention(inputs: ReportInputs, start: date, end: date) -> dict[str, Any]:
    kept = retention(inputs.arr_on, start, end)
    return {
        "grr": _text(kept.grr),
        "nrr": _text(kept.nrr),
        "retention": {
            "accounts": kept.accounts, "arr_start": _money(kept.arr_start),
            "arr_end": _money(kept.arr_end), "retained": _money(kept.retained),
        },
    }  # fmt: skip


def _calendar(inputs: ReportInputs) -> dict[str, Any]:
    today = inputs.as_of
    open_ = [r for r in inputs.renewals if r.status == "open" and r.due >= today]
    within = []
    for days in HORIZONS:
        hit = [r for r in open_ if r.due <= today + timedelta(days=days)]
        within.append({"days": days, "count": len(hit), "expected_spend": _sum(hit)})
    months = []
    first = today.replace(day=1)
    for n in range(12):
        year, month = divmod(first.month - 1 + n, 12)
        begin = date(first.year + year, month + 1, 1)
        finish = begin.replace(day=monthrange(begin.year, begin.month)[1])
        hit = [r for r in open_ if begin <= r.due <= finish]
        tiers: dict[str, int] = {}
        for r in hit:
            tier = inputs.health.get(r.account_id)
            name = tier.tier if tier and tier.tier else "unknown"
            tiers[name] = tiers.get(name, 0) + 1
        months.append({
            "month": begin.strftime("%Y-%m"), "count": len(hit), "expected_spend": _sum(hit),
            "by_tier": dict(sorted(tiers.items())),
        })  # fmt: skip
    overdue = [t for t in inputs.tasks if t.due < today]
    return {
        "within": within,
        "by_month": months,
        "overdue_tasks": [
            {
                "key": t.key,
                "subject": t.subject,
                "account": t.account,
                "due": t.due.isoformat(),
                "days_overdue": (today - t.due).days,
            }
            for t in overdue
        ],
    }


def _at_risk(inputs: ReportInputs) -> list[dict[str, Any]]:
    today = inputs.as_of
    found = []
    for r in inputs.renewals:
        health = inputs.health.get(r.account_id)
        if r.status != "open" or not today <= r.due <= today + timedelta(days=AT_RISK_DAYS):
            continue
        if health is None or health.tier not in AT_RISK_TIERS:
            continue
        weak = {
            k: v for k, v in sorted(health.parts.items(), key=lambda kv: kv[1]) if v < WEAK_PART
        }
        found.append({
            "key": r.key, "account": r.account, "owner": r.owner, "due": r.due.isoformat(),
            "amount": _money(r.amount), "tier": health.tier, "score": _text(health.score),
            "weak_parts": {k: _text(v) for k, v in weak.items()},
        })  # fmt: skip
    return sorted(found, key=lambda x: (-Decimal(x["amount"]), x["key"]))


def _quarters(inputs: ReportInputs, start: date, end: date) -> list[dict[str, Any]]:
    """GRR and NRR for each calendar quarter that starts in the period."""
    found = []
    begin = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    while begin <= end:
        year, month = divmod(begin.month - 1 + 3, 12)
        following = date(begin.year + year, month + 1, 1)
        finish = min(following - timedelta(days=1), end)
        if begin >= start:
            kept = retention(inputs.arr_on, begin, finish)
            found.append({"quarter": f"{begin.year}-Q{(begin.month - 1) // 3 + 1}",
                          "grr": _text(kept.grr), "nrr": _text(kept.nrr)})  # fmt: skip
        begin = following
    return found


def _sum(renewals: list[DueRenewal]) -> str:
    return _money(sum((r.amount for r in renewals), Decimal(0)))


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def percent(value: str | None) -> str:
    """A ratio string as a person reads it ("0.5" -> "50.0 %", null -> "-")."""
    return "-" if value is None else f"{Decimal(value) * 100:.1f} %"
