"""Bounded memory (issue 16): a run loads one batch of accounts at a time, never the org.

`evaluate_batch_orders` tiny makes a 60-opportunity org take many batches. Batched and
whole-org runs must leave the CRM exactly alike (renewals, lines, tasks, roll-ups), also
when a subscription crosses accounts through `amends`; a kill at any write call of a batched
run ends in the clean state; an incremental run loads only the accounts its news touched.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.pipeline.conftest import MakeOrg, salesforce_sandbox
from tests.pipeline.killing import HttpKiller, killed_then_recovered, killing
from tests.pipeline.salesforce_org import SalesforceOrg, crm_state

DAY = date(2026, 6, 30)
FULL = os.environ.get("RENEWAL_SYNC_SWEEP") == "full"
SMALL: dict[str, Any] = {"evaluate_batch_orders": 7}


def test_batched_and_whole_org_runs_leave_the_crm_alike(make_org: MakeOrg) -> None:
    whole = make_org(size=60)
    at_once = whole.run(today=DAY)
    assert at_once.status == "succeeded"
    batched = make_org(size=60)
    result = batched.run(today=DAY, **SMALL)
    assert result.status == "succeeded", result.error
    assert result.stats["batches"] >= 5, "the org was evaluated in batches"
    assert result.stats["subscriptions"] == at_once.stats["subscriptions"]
    assert batched.crm_state() == whole.crm_state()
    batched.reset_ledger()
    assert batched.run(today=DAY, **SMALL).status == "succeeded"
    assert batched.writes() == 0, "a batched rerun writes nothing"
    later = DAY + timedelta(days=40)  # milestones fall due, each batch raises its own
    assert whole.run(today=later).status == "succeeded"
    assert batched.run(today=later, **SMALL).status == "succeeded"
    assert batched.crm_state() == whole.crm_state()


def _cross_accounts(org: SalesforceOrg) -> str:
    """Move one amendment (an upgrade or a recast) to another account than its contract's."""
    opportunities = org.sandbox.records("Opportunity")
    amendment = next(o for o in opportunities if o.get("Amended_Opportunity__c"))
    other = next(
        a["Id"] for a in org.sandbox.records("Account") if a["Id"] != amendment["AccountId"]
    )
    org.person_updates("Opportunity", amendment["Id"], {"AccountId": other})
    return str(other)


def test_a_subscription_crossing_accounts_is_evaluated_whole(make_salesforce_org: Any) -> None:
    """The rules group by `amends`: an upgrade booked on another account still belongs to
    its contract's subscription, so the batch of either account takes in the other."""
    whole = make_salesforce_org(salesforce_sandbox(60))
    _cross_accounts(whole)
    assert whole.run(today=DAY).status == "succeeded"
    batched = make_salesforce_org(salesforce_sandbox(60))
    _cross_accounts(batched)
    result = batched.run(today=DAY, evaluate_batch_orders=1)
    assert result.status == "succeeded", result.error
    assert crm_state(batched.sandbox) == crm_state(whole.sandbox)


def test_an_incremental_run_loads_only_the_accounts_its_news_touched(make_org: MakeOrg) -> None:
    org = make_org(size=60)
    assert org.run(today=DAY).status == "succeeded"
    quiet = org.run(today=DAY, **SMALL)
    assert quiet.stats["batches"] == 0, "nothing is news: no account is loaded"
    assert quiet.world is None
    renewal = org.renewals()[0]
    org.person_closes_renewal(renewal.id, won=False)
    touched = org.run(today=DAY, **SMALL)
    assert touched.status == "succeeded", touched.error
    assert touched.stats["batches"] == 1
    assert touched.world is not None
    assert touched.world.scope is not None
    assert len(touched.world.scope) == 1, "only the closed renewal's account was loaded"
    assert len(touched.world.raw_accounts) == 1
    for other in org.renewals()[1:6]:
        org.person_closes_renewal(other.id, won=True)
    wide = org.run(today=DAY, **SMALL)
    assert wide.status == "succeeded", wide.error
    assert wide.stats["batches"] >= 2, "news across accounts is evaluated in batches by orders"


def test_rows_stored_before_the_mirror_knew_their_account_are_placed(make_org: MakeOrg) -> None:
    """A state database from an older version has no parents: the next run works them out
    (and, being a new version's first run, evaluates everything), with the same result."""
    org = make_org(size=60)
    assert org.run(today=DAY, **SMALL).status == "succeeded"
    expected = org.crm_state()
    with org.store.engine.begin() as conn:
        conn.execute(text("UPDATE mirror_records SET parent_id = NULL, link_id = NULL"))
        conn.execute(text("UPDATE runs SET stats = '{}'"))
    org.reset_ledger()
    result = org.run(today=DAY, **SMALL)
    assert result.status == "succeeded", result.error
    with org.store.engine.begin() as conn:
        unplaced = conn.execute(text("SELECT count(*) FROM mirror_records WHERE parent_id IS NULL"))
        assert unplaced.scalar() == 0
    assert result.stats["batches"] >= 5, "everything was evaluated again"
    assert org.writes() == 0
    assert org.crm_state() == expected


@pytest.mark.slow
@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_kill_at_a_write_call_of_a_batched_run_ends_in_the_clean_state(
    make_salesforce_org: Any, after: bool
) -> None:
    """Batches write one after another, so a kill can land between two accounts' batches as
    well as inside one: two more runs at most reach the clean state, a rerun writes nothing.
    CI kills at nine write calls spread over the run; `RENEWAL_SYNC_SWEEP=full` at every one."""
    reference = make_salesforce_org(salesforce_sandbox(60))
    with killing(HttpKiller()) as killer:
        assert reference.run(today=DAY, **SMALL).status == "succeeded"
    expected = crm_state(reference.sandbox)
    writes = killer.write_indexes()
    assert len(writes) >= 10
    for call in writes if FULL else sorted({*writes[:: max(1, len(writes) // 8)], writes[-1]}):
        org = make_salesforce_org(salesforce_sandbox(60))
        killed_then_recovered(org, call, after=after, expected=expected, today=DAY, **SMALL)
