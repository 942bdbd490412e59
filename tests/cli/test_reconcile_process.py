"""`renewal-sync reconcile` as its own process against a served sandbox, the drift made and
checked through simple-salesforce the way a person would; and the daemon's once-a-day
reconciliation rule (issue 15)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce

from sync.cli.ops import reconcile_due
from sync.pipeline.run import RunResult
from sync.state import RunMode, RunStatus, StateStore
from tests.cli.conftest import Webhook
from tests.cli.test_sync_once_process import Served, serve_org

CLI = [sys.executable, "-m", "sync.cli.main"]


@pytest.fixture
def served(_server: Any, tmp_path: Path) -> Iterator[Served]:
    yield from serve_org(_server, tmp_path, 20)


def _cli(served: Served, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env={**served.env, **env}, text=True, capture_output=True, timeout=120,
        check=False,
    )  # fmt: skip


def _person(served: Served, monkeypatch: pytest.MonkeyPatch) -> Any:  # sobjects by attribute
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", served.env["REQUESTS_CA_BUNDLE"])
    return Salesforce(
        instance_url=served.env["SF_INSTANCE_URL"], session_id=served.sandbox.issue_token()
    )


def test_reconcile_reports_a_duplicate_renewal_and_files_it_for_a_person(
    served: Served, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cli(served, "sync", "--once").returncode == 0
    clean = _cli(served, "reconcile", "--dry-run", "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["counts"]["gaps"] == 0

    sf = _person(served, monkeypatch)
    (ours,) = sf.query(
        "SELECT Id, AccountId, Renewed_Opportunity__c, Product_Family__c, CloseDate, "
        "Contract_Start_Date__c, Contract_End_Date__c FROM Opportunity "
        "WHERE Renewal_Sync_Key__c != null AND IsClosed = false ORDER BY Id LIMIT 1"
    )["records"]
    theirs = sf.Opportunity.create({
        "Name": "Renewal (by hand)", "AccountId": ours["AccountId"], "StageName": "Qualification",
        "CloseDate": ours["CloseDate"], "Type": "Renewal",
        "Renewed_Opportunity__c": ours["Renewed_Opportunity__c"],
        "Product_Family__c": ours["Product_Family__c"],
        "Contract_Start_Date__c": ours["Contract_Start_Date__c"],
        "Contract_End_Date__c": ours["Contract_End_Date__c"], "Amount": 1000,
    })["id"]  # fmt: skip

    preview = _cli(served, "reconcile", "--dry-run", "--json")
    assert preview.returncode == 3, preview.stdout + preview.stderr
    (gap,) = [g for g in json.loads(preview.stdout)["gaps"] if g["kind"] == "duplicate renewals"]
    assert gap["needs_person"]
    assert ours["Id"] in gap["message"]
    assert theirs in gap["message"]

    done = _cli(served, "reconcile", RENEWAL_SYNC_ALERT_WEBHOOK_URL=webhook.url)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "need a person" in done.stdout
    assert theirs in done.stdout
    assert len(webhook.bodies) == 1
    assert "reconciliation found 1 gap(s)" in webhook.bodies[0]["text"]
    listed = _cli(served, "errors", "--json", **_no_credentials(served))
    assert '"code": "DUPLICATE_RENEWAL"' in listed.stdout
    assert theirs in listed.stdout
    runs = _cli(served, "runs", **_no_credentials(served))
    assert "reconcile" in runs.stdout

    sf.Opportunity.update(theirs, {"StageName": "Closed Lost"})  # the person settles it
    settled = _cli(served, "reconcile")
    assert settled.returncode == 0, settled.stdout + settled.stderr
    listed = _cli(served, "errors", "--json", **_no_credentials(served))
    assert "DUPLICATE_RENEWAL" not in listed.stdout


def _no_credentials(served: Served) -> dict[str, str]:
    return {k: "" for k in served.env if k.startswith("SF_")}


def _at(store: StateStore, day: int, mode: RunMode, status: RunStatus) -> str:
    started = datetime(2026, 6, day, 8, tzinfo=UTC)
    run = store.runs.start("salesforce", mode, now=started)
    store.runs.finish(run.run_id, status, stats={}, error=None)
    return run.run_id


def test_the_daemon_reconciles_once_a_day_after_the_first_good_run(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path}/state.db")
    try:
        first = _at(store, 1, RunMode.FULL, RunStatus.SUCCEEDED)
        assert reconcile_due(store, "salesforce", RunResult(first, RunStatus.SUCCEEDED))
        failed = _at(store, 1, RunMode.INCREMENTAL, RunStatus.FAILED)
        assert not reconcile_due(store, "salesforce", RunResult(failed, RunStatus.FAILED))
        _at(store, 1, RunMode.RECONCILE, RunStatus.SUCCEEDED)
        later = _at(store, 1, RunMode.INCREMENTAL, RunStatus.SUCCEEDED)
        assert not reconcile_due(store, "salesforce", RunResult(later, RunStatus.SUCCEEDED))
        tomorrow = _at(store, 2, RunMode.INCREMENTAL, RunStatus.SUCCEEDED)
        assert reconcile_due(store, "salesforce", RunResult(tomorrow, RunStatus.SUCCEEDED))
    finally:
        store.close()
