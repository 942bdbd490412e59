"""Schema drift mid-life: a mapped field deleted in the org after a real sync.

The run goes on (succeeded), only what depends on the field is skipped, and the admin sees
exactly one open error naming the field, however many runs meet it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from crm_sandbox.salesforce import SalesforceSandbox
from mappings import load_default
from sync.connectors.salesforce import connect_salesforce
from sync.pipeline.run import RunResult, run_once
from sync.settings import load_settings
from sync.state import StateStore
from tests.cli.conftest import TODAY, invoke, new_sandbox, tick


class Org:
    """A served org with generated data, and real runs against it."""

    def __init__(self, sandbox: SalesforceSandbox) -> None:
        self.sandbox = sandbox
        self.settings = load_settings()
        self.store = StateStore.open(self.settings.database_url)
        self.sleeps: list[float] = []

    def run(self, today: date = TODAY, *, dry_run: bool = False, mapping: Any = None) -> RunResult:
        tick(self.sandbox)
        port = connect_salesforce(self.settings, sleep=self.sleeps.append)
        return run_once(
            self.settings, self.store, port, mapping or load_default("salesforce"),
            today=today, dry_run=dry_run, clock=self.sandbox.clock.now,
        )  # fmt: skip

    def mapping_errors(self) -> list[Any]:
        return self.store.errors.open("salesforce", object_type="mapping")


@pytest.fixture
def org(serve: Any) -> Iterator[Org]:
    found = Org(serve(new_sandbox(40)))
    yield found
    found.store.close()


def _renewals(sandbox: SalesforceSandbox) -> dict[str, dict[str, Any]]:
    opps = sandbox.records("Opportunity")
    return {o["Renewal_Sync_Key__c"]: o for o in opps if o.get("Renewal_Sync_Key__c")}


def test_an_optional_field_dropped_leaves_it_out_and_the_run_goes_on(org: Org) -> None:
    first = org.run()
    assert first.status == "succeeded"
    assert first.stats["written.renewal"] > 0
    org.sandbox.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    later = TODAY + timedelta(days=45)
    second = org.run(later)
    assert second.status == "succeeded"
    assert second.report is not None
    changed = second.report.changes["renewal"] + second.report.changes["task"]
    assert changed, "the renewals and their tasks are still kept up to date"
    assert all("Renewal_Ledger__c" not in (i.plan.payload if i.plan else {}) for i in changed)
    assert not any(v for k, v in second.stats.items() if k.startswith("failed."))
    (error,) = org.mapping_errors()
    assert error.record_key == "Opportunity.Renewal_Ledger__c"
    assert error.message.startswith(
        "Opportunity.Renewal_Ledger__c no longer exists in the CRM (write.renewal.ledger, "
        "mappings/defaults/salesforce.yaml:"
    )
    assert error.message.endswith(
        "write.renewal.ledger is left out until the field is restored or re-mapped"
    )
    third = org.run(later)
    assert third.status == "succeeded"
    assert len(org.mapping_errors()) == 1


def test_an_essential_field_dropped_skips_what_depends_on_it_only(org: Org) -> None:
    assert org.run().status == "succeeded"
    before = _renewals(org.sandbox)
    accounts = {a["Id"]: a for a in org.sandbox.records("Account")}
    org.sandbox.schema.drop_field("OpportunityLineItem", "Precommit_Amount__c")
    org.sandbox.ledger.reset()
    second = org.run(TODAY + timedelta(days=45))
    assert second.status == "succeeded"
    (error,) = org.mapping_errors()
    assert error.record_key == "OpportunityLineItem.Precommit_Amount__c"
    assert "the line concept is skipped" in error.message
    assert _renewals(org.sandbox) == before, "no renewal is priced without its lines"
    assert second.stats.get("written.renewal", 0) == 0
    assert second.stats.get("pulled.account", 0) > 0, "the other streams are still read"
    assert accounts.keys() == {a["Id"] for a in org.sandbox.records("Account")}


def test_the_errors_command_shows_the_drifted_field(org: Org) -> None:
    org.run()
    org.sandbox.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    org.run()
    result = invoke("errors")
    assert result.exit_code == 0, result.output
    mapping = [line for line in result.output.splitlines() if "] mapping " in line]
    (error,) = org.mapping_errors()
    assert mapping == [
        f"- #{error.id} [pull] mapping Opportunity.Renewal_Ledger__c: INVALID_FIELD (seen 1x, "
        f"last {error.last_seen_at:%Y-%m-%d %H:%M})"
    ]
    assert "Opportunity.Renewal_Ledger__c no longer exists in the CRM" in result.output


def test_the_errors_command_says_who_should_act_on_a_crm_code(org: Org) -> None:
    """Blame and hint come from the connector's failure table, beside the record."""
    org.run()
    org.sandbox.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    org.run()
    lines = invoke("errors").output.splitlines()
    at = next(i for i, line in enumerate(lines) if "INVALID_FIELD" in line)
    assert lines[at + 2] == "    (config) A mapped field is gone from the org; fix the mapping."
