"""The Bulk API 2.0 path (issue 16), against the sandbox: thresholds low enough that a
60-opportunity org reads and writes through Bulk jobs. The renewals, lines, tasks and
roll-ups are the same as through REST; a failed, partial or hanging job is never taken for
success (what it did not do goes through REST); a rerun writes nothing.

Job states and results: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
and .../get_job_successful_results.htm, .../get_job_failed_results.htm."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.pipeline.conftest import salesforce_sandbox
from tests.pipeline.killing import HttpKiller, killed_then_recovered, killing
from tests.pipeline.salesforce_org import SalesforceOrg, crm_state

DAY = date(2026, 6, 30)
BULK = {"bulk_pull_threshold": 50, "bulk_write_threshold": 5, "bulk_wait_seconds": 10}


def _jobs(org: SalesforceOrg) -> dict[str, int]:
    calls = org.sandbox.ledger.snapshot()
    return {k: v for k, v in calls.items() if "/jobs/" in k}


def test_bulk_and_rest_leave_the_crm_the_same(make_salesforce_org: Any) -> None:
    rest = make_salesforce_org(salesforce_sandbox(60))
    assert rest.run(today=DAY).status == "succeeded"
    through_rest = crm_state(rest.sandbox)
    bulk = make_salesforce_org(salesforce_sandbox(60))
    result = bulk.run(today=DAY, **BULK)
    assert result.status == "succeeded", result.error
    jobs = _jobs(bulk)
    assert jobs["POST /services/data/v60.0/jobs/query"] >= 2, "orders and lines read by Bulk"
    assert jobs["POST /services/data/v60.0/jobs/ingest"] >= 2, "renewals and lines by Bulk"
    operations = {j.operation for j in bulk.sandbox.bulk.jobs.values() if j.kind == "ingest"}
    assert operations == {"upsert", "update"}, "roll-ups are updates by id, by Bulk too"
    assert crm_state(bulk.sandbox) == through_rest
    bulk.reset_ledger()
    assert bulk.run(today=DAY, **BULK).status == "succeeded"
    assert bulk.writes() == 0, "a rerun after a Bulk run writes nothing"


def test_a_failed_query_job_is_read_through_rest(make_salesforce_org: Any) -> None:
    org = make_salesforce_org(salesforce_sandbox(60))
    org.sandbox.bulk.plan("query", "fail", message="InternalServerError: retried 15 times")
    result = org.run(today=DAY, **BULK)
    assert result.status == "succeeded", result.error
    reference = make_salesforce_org(salesforce_sandbox(60))
    reference.run(today=DAY)
    assert crm_state(org.sandbox) == crm_state(reference.sandbox)


def test_a_hanging_or_partial_ingest_job_is_finished_through_rest(make_salesforce_org: Any) -> None:
    reference = make_salesforce_org(salesforce_sandbox(60))
    reference.run(today=DAY)
    for fault in ({"mode": "hang"}, {"mode": "fail", "processed": 3}):
        org = make_salesforce_org(salesforce_sandbox(60))
        org.sandbox.bulk.plan("ingest", **fault)
        result = org.run(today=DAY, **BULK)
        assert result.status == "succeeded", result.error
        assert crm_state(org.sandbox) == crm_state(reference.sandbox), fault
        aborted = [j for j in org.sandbox.bulk.jobs.values() if j.state in {"Aborted", "Failed"}]
        assert aborted, "the job that did not finish is not reported as done"


_CLEAN: dict[str, Any] = {}


def _clean_bulk_run(make_salesforce_org: Any) -> tuple[dict[str, Any], list[int]]:
    if "state" not in _CLEAN:
        org = make_salesforce_org(salesforce_sandbox(60))
        with killing(HttpKiller()) as killer:
            assert org.run(today=DAY, **BULK).status == "succeeded"
        _CLEAN["state"], _CLEAN["writes"] = crm_state(org.sandbox), killer.write_indexes()
    return _CLEAN["state"], _CLEAN["writes"]


@pytest.mark.slow
@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_kill_at_every_write_call_of_a_bulk_run_ends_in_the_clean_state(
    make_salesforce_org: Any, after: bool
) -> None:
    """Every write call of the Bulk run (a job's create, upload and close, and the REST
    writes beside them), killed before the org saw it or after it committed: two more runs
    at most reach the clean state, and a rerun then writes nothing."""
    expected, writes = _clean_bulk_run(make_salesforce_org)
    assert len(writes) >= 6
    for call in writes:
        org = make_salesforce_org(salesforce_sandbox(60))
        killed_then_recovered(org, call, after=after, expected=expected, today=DAY, **BULK)
