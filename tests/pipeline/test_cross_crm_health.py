"""A Salesforce deployment scores health from HubSpot tickets and NPS, matched by domain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import hubspot
import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.hubspot.loader import Loader
from crm_sandbox.hubspot.loader import _nps as feedback
from crm_sandbox.records import AccountBundle, GenAccount, GenCase, GenNps, GenUser
from crm_sandbox.server import ServedApp, serve_in_thread
from mappings import load_default
from sync.connectors.hubspot import connect_hubspot
from sync.pipeline.run import SignalSource, run_once
from sync.settings import Settings
from tests.pipeline.conftest import worked_example_salesforce as worked_example_sandbox
from tests.pipeline.orgs import TODAY
from tests.pipeline.salesforce_org import SalesforceOrg as Harness

MOMENT = datetime.combine(TODAY, time(7, 0), tzinfo=UTC)


def _company(domain: str, key: str) -> GenAccount:
    return GenAccount(key, f"HubSpot {key}", domain, "USR-0001", "standard", 30, 24)


@pytest.fixture
def portal() -> Iterator[tuple[HubSpotSandbox, ServedApp]]:
    """A HubSpot portal whose one company shares the Salesforce account's web domain."""
    clock = SandboxClock(datetime.combine(TODAY, time(8, 0), tzinfo=UTC))
    sandbox = HubSpotSandbox(seed=3, clock=clock, ten_second_limit=10_000)
    promoters = tuple(GenNps(f"NPS-{n}", "H-1", 10, MOMENT - timedelta(days=n)) for n in range(4))
    closed = GenCase("CAS-1", "H-1", "Login slow", "Low", True, MOMENT - timedelta(days=9),
                     MOMENT - timedelta(days=8))  # fmt: skip
    users = (_user(),)
    sandbox.load_bundles(
        users, [AccountBundle(_company("worked.example", "H-1"), (), (closed,), promoters)]
    )
    with serve_in_thread(sandbox.wsgi_app) as served:
        yield sandbox, served


def _user() -> GenUser:
    return GenUser("USR-0001", "Amara Adams", "amara.adams@vendor.example")


def _detractors(sandbox: HubSpotSandbox, company_id: int, count: int) -> None:
    """Survey answers arrive in HubSpot (feedback submissions are read-only over the API)."""
    loader = Loader(sandbox.state)
    for n in range(count):
        submission = loader._insert(
            "feedback_submissions", feedback(GenNps(f"D{n}", "H-1", 2, MOMENT))
        )
        loader._link("feedback_submissions", 928, submission, company_id)
    sandbox.state.search_cache.clear()


def _run(harness: Harness, portal: tuple[HubSpotSandbox, ServedApp], today: date) -> Any:
    sandbox, served = portal
    settings = Settings(
        crm="hubspot", hubspot_access_token=sandbox.token, hubspot_api_host=served.url,
        hubspot_ten_second_limit=10_000, database_url="sqlite:///unused.db", api_budget_share=1.0,
    )  # fmt: skip
    source = SignalSource(connect_hubspot(settings, sleep=lambda _s: None), load_default("hubspot"))
    harness.sandbox.clock.advance(timedelta(seconds=1))
    sandbox.clock.advance(timedelta(seconds=1))
    return run_once(
        harness.settings(), harness.store, harness.port(), harness.mapping,
        today=today, clock=harness.sandbox.clock.now, signals=source,
    )  # fmt: skip


def _account(harness: Harness) -> dict[str, Any]:
    (account,) = [
        a for a in harness.sandbox.records("Account") if a["Name"] == "Worked Example Ltd"
    ]
    return account


def test_hubspot_tickets_and_nps_move_a_salesforce_health_score(
    make_salesforce_org: Any, portal: tuple[HubSpotSandbox, ServedApp]
) -> None:
    harness = make_salesforce_org(worked_example_sandbox())
    first = _run(harness, portal, date(2026, 11, 21))
    assert first.status == "succeeded", first.error
    assert first.stats["signals.matched"] == 1
    before = _account(harness)
    assert '"nps"' in before["Health_Parts__c"]
    assert '"support"' in before["Health_Parts__c"]
    assert before["Health_Tier__c"] == "green"

    sandbox, served = portal
    client = hubspot.HubSpot(access_token=sandbox.token, host=served.url)
    company_id = sandbox.records("companies")[0].id
    for n in range(3):
        client.crm.tickets.basic_api.create({
            "properties": {"subject": f"Outage {n}", "hs_pipeline_stage": "1",
                           "hs_ticket_priority": "HIGH"},
            "associations": [{"to": {"id": str(company_id)}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 339}]}],
        })  # fmt: skip
    _detractors(sandbox, company_id, 6)

    second = _run(harness, portal, date(2026, 11, 21))
    assert second.status == "succeeded", second.error
    after = _account(harness)
    assert Decimal(str(after["Health_Score__c"])) < Decimal(str(before["Health_Score__c"]))
    assert after["Health_Tier__c"] in {"yellow", "red"}


def test_an_account_matching_two_companies_is_reported_not_guessed(
    make_salesforce_org: Any, portal: tuple[HubSpotSandbox, ServedApp]
) -> None:
    sandbox, _ = portal
    sandbox.load_bundles(
        (_user(),), [AccountBundle(_company("www.worked.example", "H-2"), (), (), ())]
    )
    harness = make_salesforce_org(worked_example_sandbox())
    result = _run(harness, portal, date(2026, 11, 21))
    assert result.status == "succeeded", result.error
    assert result.stats["signals.matched"] == 0
    (ambiguous,) = [
        e for e in harness.store.errors.open("salesforce") if e.code == "AMBIGUOUS_HEALTH_MATCH"
    ]
    assert "matches HubSpot companies" in ambiguous.message
    assert '"nps"' not in (_account(harness)["Health_Parts__c"] or "")
