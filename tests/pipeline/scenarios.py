"""Hand-built subscriptions for the pipeline scenarios: the domain spec's worked example,
in the generator's CRM-neutral records (either sandbox loads them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from crm_sandbox.records import AccountBundle, GenAccount, GenDiscount, GenLine, GenOrder, GenUser

D = Decimal


def worked_example_lines() -> tuple[GenLine, ...]:
    """Growth $12,000 -10% recurring -$1,000 one-time; 20 seats $300 -5%; onboarding; usage."""
    return (
        GenLine("L-1", "ANL-GROWTH", "plan", 1, D(12000), None,
                (GenDiscount("recurring", percent=D(10)), GenDiscount("one_time", amount=D(1000)))),
        GenLine("L-2", "ANL-SEAT", "subscription", 20, D(300), None,
                (GenDiscount("recurring", percent=D(5)),)),
        GenLine("L-3", "ANL-ONBOARDING", "one_time", 1, D(5000)),
        GenLine("L-4", "ANL-USAGE", "usage", 1, D("2.50"), D(6000)),
        GenLine("L-5", "ANL-OVERAGE", "usage", 1, D("3.00"), None),
    )  # fmt: skip


def contract(
    key: str = "O-1",
    *,
    start: date = date(2026, 1, 1),
    end: date = date(2026, 12, 31),
    terms: str = "manual",
    lines: tuple[GenLine, ...] | None = None,
) -> GenOrder:
    return GenOrder(
        key, f"Worked Example - Analytics {key}", "ACC-W", "new", "Analytics", None, start, end,
        terms, D(12000), "closed_won", start,
        lines if lines is not None else worked_example_lines(),
    )  # fmt: skip


def worked_example_bundle(
    users: Sequence[GenUser], orders: Sequence[GenOrder], segment: str = "standard"
) -> AccountBundle:
    """The worked example's one account (30 licensed seats, 24 active) holding `orders`
    (the worked example's contract when none are given)."""
    account = GenAccount("ACC-W", "Worked Example Ltd", "worked.example", users[0].key,
                         segment, 30, 24)  # fmt: skip
    return AccountBundle(account, tuple(orders) or (contract(),), (), ())
