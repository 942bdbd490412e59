"""Exact increments (issue 16): the next read starts at the cursor's own second (or the
late-record window right after a read), re-read records and the service's own writes read
back are no news, and a run with nothing changed reads one page per stream, evaluates
nothing and writes nothing, on both CRMs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mappings.streams import streams
from tests.pipeline.conftest import MakeOrg, worked_example_hubspot

DAY = date(2026, 6, 30)


def test_nothing_changed_costs_one_query_per_stream_and_no_evaluation(make_org: MakeOrg) -> None:
    org = make_org(size=60)
    assert org.run(today=DAY).status == "succeeded"
    org.sandbox.clock.advance(timedelta(minutes=15))  # the daemon's interval
    back = org.run(today=DAY)  # reads the service's own writes back
    assert back.stats["subscriptions"] == 0, "a write read back as written is no news"
    org.sandbox.clock.advance(timedelta(minutes=15))  # the daemon's interval
    org.reset_ledger()
    quiet = org.run(today=DAY)
    assert quiet.status == "succeeded"
    assert quiet.stats["subscriptions"] == 0
    assert org.writes() == 0
    polled = len(streams(org.mapping))
    calls = dict(org.sandbox.ledger.snapshot())
    if org.crm == "salesforce":  # one queryAll per stream (deletions ride along), one login
        assert calls == {
            "GET /services/data/v60.0/queryAll": polled, "POST /services/oauth2/token": 1,
        }  # fmt: skip
    else:
        # HubSpot: one search per object and its list of archived records (search never
        # returns deletions), the owners list and its archived half, the deal pipelines
        # (stage meanings); no association read, since nothing new came back
        assert calls == {
            "POST /crm/v3/objects/{objectType}/search": polled - 1,
            "GET /crm/v3/objects/{objectType}": polled - 1,
            "GET /crm/v3/owners/": 2,
            "GET /crm/v3/pipelines/{objectType}": 1,
        }
    reread = sum(v for k, v in quiet.stats.items() if k.startswith("pulled."))
    unchanged = sum(v for k, v in quiet.stats.items() if k.startswith("unchanged."))
    assert reread == unchanged, "what is read again is only what is known"


def test_a_change_after_a_quiet_spell_is_read_and_evaluated(make_org: MakeOrg) -> None:
    org = make_org(orders=())
    org.run(today=DAY)
    org.run(today=DAY)
    org.sandbox.clock.advance(timedelta(minutes=15))
    org.person_corrects_end_date(org.contract_id(), date(2027, 3, 31))
    moved = org.run(today=DAY)
    assert moved.stats["subscriptions"] == 1
    assert org.renewal("Analytics:2027-04-01").close_date == "2027-03-31"


def test_a_change_the_search_index_shows_late_is_read_by_the_next_run(
    make_hubspot_org: Any,
) -> None:
    """HubSpot's search is eventually consistent: the sandbox's index lags three seconds
    behind. A change a person makes just before a run is invisible to it; the next run's
    late-record window (the lookback before the last read's `until`) reads it."""
    org = make_hubspot_org(worked_example_hubspot())
    org.sandbox.state.search_lag = timedelta(seconds=3)
    org.sandbox.clock.advance(timedelta(seconds=10))
    org.run(today=DAY)
    org.sandbox.clock.advance(timedelta(minutes=15))
    org.run(today=DAY)
    org.sandbox.clock.advance(timedelta(minutes=15))
    org.person_corrects_end_date(org.contract_id(), date(2027, 3, 31))
    missed = org.run(today=DAY)  # one second later: not in the index yet
    assert missed.stats["subscriptions"] == 0
    assert org.renewal("Analytics:2027-01-01").close_date == "2026-12-31"
    org.sandbox.clock.advance(timedelta(minutes=15))
    found = org.run(today=DAY)
    assert found.stats["subscriptions"] == 1
    assert org.renewal("Analytics:2027-04-01").close_date == "2027-03-31"
