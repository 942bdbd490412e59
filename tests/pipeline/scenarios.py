"""Hand-built subscriptions for the pipeline scenarios: the domain spec's worked example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_sandbox.datagen import generate
from crm_sandbox.records import AccountBundle, GenAccount, GenDiscount, GenLine, GenOrder
from crm_sandbox.salesforce import SalesforceSandbox
from tests.pipeline.conftest import new_sandbox
from tests.pipeline.harness import TODAY

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


def worked_example_sandbox(*orders: GenOrder, segment: str = "standard") -> SalesforceSandbox:
    """An org holding one account with the given orders (the worked example by default)."""
    sandbox = new_sandbox(opportunities=0)
    dataset = generate(10, seed=1, today=TODAY)
    account = GenAccount("ACC-W", "Worked Example Ltd", "worked.example", dataset.users[0].key,
                         segment, 30, 24)  # fmt: skip
    bundle = AccountBundle(account, orders or (contract(),), (), ())
    sandbox.load(dataset, bundles=[bundle])
    return sandbox
