"""The domain spec's worked example as a HubSpot portal (orders from `tests.pipeline`)."""

from __future__ import annotations

from crm_sandbox.datagen import generate
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.records import AccountBundle, GenAccount, GenOrder
from tests.pipeline.scenarios import contract
from tests.pipeline_hubspot.conftest import new_sandbox
from tests.pipeline_hubspot.harness import TODAY

__all__ = ["contract", "worked_example_sandbox"]


def worked_example_sandbox(*orders: GenOrder, segment: str = "standard") -> HubSpotSandbox:
    """A portal holding one company with the given deals (the worked example by default)."""
    sandbox = new_sandbox(deals=0)
    users = generate(10, seed=1, today=TODAY).users
    account = GenAccount("ACC-W", "Worked Example Ltd", "worked.example", users[0].key,
                         segment, 30, 24)  # fmt: skip
    sandbox.load_bundles(users, [AccountBundle(account, orders or (contract(),), (), ())])
    return sandbox
