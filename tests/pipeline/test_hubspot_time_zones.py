"""HubSpot dates are midnight UTC: the process's own zone never moves a date by a day.

The worked example runs with the process (and the sandbox served in it) in zones on both
sides of UTC, with the run starting late in the UTC day, where a local-time conversion
would land on the next or the previous date.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from tests.pipeline.conftest import worked_example_hubspot
from tests.pipeline.hubspot_org import HubSpotOrg, midnight_utc

ZONES = ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Pacific/Kiritimati"]


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with TZ set (and tzset called), restoring the original zone after."""
    original = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        time.tzset()


def test_no_contract_renewal_or_task_date_moves_in_any_zone(
    make_hubspot_org: Callable[..., HubSpotOrg], zone: str
) -> None:
    assert (time.timezone == 0) == (zone == "UTC")  # the zone took effect in this process
    sandbox = worked_example_hubspot()
    sandbox.clock.advance(timedelta(hours=15, minutes=29))  # the run starts 23:30 UTC
    harness = make_hubspot_org(sandbox)
    assert harness.run(today=date(2026, 6, 30)).status == "succeeded"
    (renewal,) = [
        d for d in harness.native_renewals() if d.props.get("contract_start_date") == "2027-01-01"
    ]
    assert renewal.props["contract_start_date"] == "2027-01-01"
    assert renewal.props["contract_end_date"] == "2027-12-31"
    assert renewal.props["closedate"] == midnight_utc("2026-12-31")
    due = sorted(t.props["hs_timestamp"] for t in harness.native_tasks_of(renewal.id))
    assert due == [midnight_utc(d) for d in ("2026-08-03", "2026-10-02", "2026-10-30")]
    (company,) = harness.sandbox.records("companies")
    assert company.props["next_renewal_date"] == "2026-12-31"
    assert company.props["health_date"] == "2026-06-30"
    harness.sandbox.ledger.reset()
    assert harness.run(today=date(2026, 6, 30)).status == "succeeded"
    assert harness.sandbox.ledger.writes == 0  # dates read back compare equal
