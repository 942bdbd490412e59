"""HubSpot keeps links as associations: the renewal on its company, its line items on it,
each task on both (association type ids: docs/sandbox-hubspot.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tests.pipeline.conftest import worked_example_hubspot
from tests.pipeline.hubspot_org import KEY, HubSpotOrg


def test_the_renewal_is_on_its_company_its_lines_on_it_and_tasks_on_both(
    make_hubspot_org: Callable[..., HubSpotOrg],
) -> None:
    org = make_hubspot_org(worked_example_hubspot())
    org.run(today=date(2026, 6, 30))
    renewal, company = int(org.renewal("Analytics:2027-01-01").id), org.company_id()
    sandbox = org.sandbox
    assert sandbox.associated_ids("deals", renewal, "companies") == [company]
    lines = [li for li in sandbox.records("line_items") if li.props.get(KEY)]
    assert lines
    assert {tuple(sandbox.associated_ids("line_items", li.id, "deals")) for li in lines} == {
        (renewal,)
    }
    tasks = [t for t in sandbox.records("tasks") if t.props.get(KEY)]
    assert len(tasks) == 3
    for task in tasks:
        assert sandbox.associated_ids("tasks", task.id, "deals") == [renewal]
        assert sandbox.associated_ids("tasks", task.id, "companies") == [company]
