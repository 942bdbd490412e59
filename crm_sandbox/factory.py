"""Build a sandbox of either CRM loaded with generated data: for the CLI, demo and benches."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Literal

from crm_sandbox.base import Sandbox
from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import MEAN_ORDERS_PER_ACCOUNT, generate
from crm_sandbox.faults import FaultRule
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.salesforce import SalesforceSandbox

CrmName = Literal["salesforce", "hubspot"]


def opportunities_for(accounts: int) -> int:
    """About how many orders `accounts` accounts carry in generated data."""
    return max(1, math.ceil(accounts * MEAN_ORDERS_PER_ACCOUNT))


def build_sandbox(
    crm: CrmName,
    *,
    opportunities: int,
    seed: int,
    today: date,
    faults: tuple[FaultRule, ...] = (),
    daily_limit: int | None = None,
    fixed_clock: bool = False,
) -> Sandbox:
    """A sandbox of `crm` holding a generated dataset of about `opportunities` orders.

    The clock is the wall clock (a served sandbox behaves like a live org) unless
    `fixed_clock`, where it starts at `today` 08:00 UTC and only moves when told.
    """
    clock = (
        SandboxClock(datetime.combine(today, time(8, 0), tzinfo=UTC))
        if fixed_clock
        else SandboxClock.wall()
    )
    sandbox: Sandbox
    if crm == "salesforce":
        sandbox = (
            SalesforceSandbox(seed=seed, clock=clock, daily_limit=daily_limit)
            if daily_limit
            else SalesforceSandbox(seed=seed, clock=clock)
        )
    else:
        sandbox = HubSpotSandbox(seed=seed, clock=clock, daily_limit=daily_limit)
    for rule in faults:
        sandbox.faults.add(rule)
    if opportunities > 0:
        sandbox.load(generate(opportunities, seed=seed, today=today))
    return sandbox
