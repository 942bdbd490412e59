"""`doctor --crm hubspot` names the missing properties and `--fix` creates them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
from typer.testing import CliRunner

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.server import serve_in_thread
from sync.cli.main import app
from tests.cli.conftest import TODAY


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[HubSpotSandbox]:
    sandbox = HubSpotSandbox(
        seed=3, clock=SandboxClock(datetime.combine(TODAY, time(8), tzinfo=UTC)),
        ten_second_limit=10_000,
    )  # fmt: skip
    with serve_in_thread(sandbox.wsgi_app) as served:
        for name in ("RENEWAL_SYNC_MAPPING_FILE", "RENEWAL_SYNC_CONFIG", "SF_ACCESS_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
        monkeypatch.setenv("HUBSPOT_API_HOST", served.url)
        monkeypatch.setenv("RENEWAL_SYNC_HUBSPOT_TEN_SECOND_LIMIT", "10000")
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/state.db")
        yield sandbox


def test_a_complete_portal_passes(portal: HubSpotSandbox) -> None:
    result = CliRunner().invoke(app, ["doctor", "--crm", "hubspot"])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output


def test_missing_properties_are_named_then_created_by_fix(portal: HubSpotSandbox) -> None:
    portal.schema.drop_property("deals", "renewal_ledger")
    portal.schema.drop_property("companies", "health_tier")
    found = CliRunner().invoke(app, ["doctor", "--crm", "hubspot"])
    assert found.exit_code == 1
    assert "renewal_ledger" in found.output
    assert "health_tier" in found.output

    fixed = CliRunner().invoke(app, ["doctor", "--crm", "hubspot", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "created deals.renewal_ledger (string)" in fixed.output
    assert "created companies.health_tier (enumeration)" in fixed.output
    tier = portal.schema.objects["companies"].properties["health_tier"]
    assert set(tier.options) == {"green", "yellow", "red"}
    assert CliRunner().invoke(app, ["doctor", "--crm", "hubspot"]).exit_code == 0


def test_doctor_lists_every_deal_pipeline_and_what_each_stage_means(
    portal: HubSpotSandbox,
) -> None:
    """Stage meanings come from the pipelines API's metadata (isClosed, probability):
    https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide"""
    result = CliRunner().invoke(app, ["doctor", "--crm", "hubspot"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Pipelines of deals (field status, by stage metadata):" in out
    assert "Sales Pipeline [default]" in out
    assert "Enterprise [75330913]" in out
    assert "Signed [104710024] -> closed_won" in out
    assert "Not renewed [104710025] -> closed_lost" in out
    assert "Proposal [104710022] -> open" in out
    # the default mapping names closedwon/closedlost itself: marked as the mapping's word
    assert "Closed Won [closedwon] -> closed_won (mapping)" in out
