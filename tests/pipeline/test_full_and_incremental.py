"""A full run raises every renewal once; an unchanged incremental rerun writes nothing."""

from __future__ import annotations

from collections import Counter

from tests.db_fixtures import DbTarget
from tests.pipeline.conftest import new_sandbox
from tests.pipeline.harness import crm_state


def test_full_then_incremental_run_on_each_database(make_harness, db_target: DbTarget) -> None:
    harness = make_harness(new_sandbox(), db_target)
    first = harness.run()
    assert first.status == "succeeded", first.error
    assert first.stats["written.renewal"] > 0
    assert first.stats["written.task"] > 0
    keys = Counter(o["Renewal_Sync_Key__c"] for o in harness.renewals())
    assert keys
    assert max(keys.values()) == 1

    harness.sandbox.ledger.reset()
    second = harness.run()
    assert second.status == "succeeded", second.error
    assert harness.sandbox.ledger.writes == 0
    assert harness.store.runs.get(second.run_id).mode.value == "incremental"


def test_a_rerun_with_nothing_changed_makes_no_write_call(make_harness) -> None:
    harness = make_harness(new_sandbox(seed=5))
    harness.run()
    before = crm_state(harness.sandbox)
    for _ in range(2):
        harness.sandbox.ledger.reset()
        assert harness.run().status == "succeeded"
        assert harness.sandbox.ledger.writes == 0
    assert crm_state(harness.sandbox) == before


def test_every_open_renewal_has_one_record_per_subscription_term(make_harness) -> None:
    harness = make_harness(new_sandbox(opportunities=120, seed=9))
    harness.run()
    open_renewals = [o for o in harness.renewals() if not o["IsClosed"]]
    terms = Counter(
        (o["AccountId"], o["Product_Family__c"], o["Contract_Start_Date__c"]) for o in open_renewals
    )
    assert open_renewals
    assert max(terms.values()) == 1
    items = harness.sandbox.records("OpportunityLineItem")
    ours = [o for o in open_renewals if o["Renewal_Computed_Amount__c"] == o["Amount"]]
    assert ours
    for renewal in ours:
        lines = [li for li in items if li["OpportunityId"] == renewal["Id"]]
        total = sum(li["TotalPrice"] for li in lines)
        assert abs(total - renewal["Amount"]) < 0.005, renewal["Name"]
