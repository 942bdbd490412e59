"""`renewal-sync report` as its own process, without CRM credentials, over a served org
synced twice with a renewal closed won in between through simple-salesforce; the HTML page
in a real headless browser (issue 17)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce

from tests.browser import render
from tests.cli.test_sync_once_process import Served, serve_org

CLI = [sys.executable, "-m", "sync.cli.main"]
TILES = ("resolution_rate", "close_rate", "conversion_rate", "grr", "nrr", "due")


@pytest.fixture
def served(_server: Any, tmp_path: Path) -> Iterator[Served]:
    yield from serve_org(_server, tmp_path, 30)


def _cli(served: Served, *args: str, credentials: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(served.env)
    if not credentials:
        env = {k: v for k, v in env.items() if not k.startswith("SF_")}
    return subprocess.run([*CLI, *args], env=env, text=True, capture_output=True, timeout=120,
                          check=False)  # fmt: skip


def test_the_report_counts_what_a_person_did_and_renders_in_a_browser(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):  # the second run reads the first one's writes into the state
        assert _cli(served, "sync", "--once").returncode == 0
    period = ("--from", "2025-11-22", "--to", "2027-12-31")  # the past year and what is due
    before = json.loads(_cli(served, "report", "--json", *period, credentials=False).stdout)

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", served.env["REQUESTS_CA_BUNDLE"])
    sf: Any = Salesforce(
        instance_url=served.env["SF_INSTANCE_URL"], session_id=served.sandbox.issue_token()
    )
    won, lost = sf.query(
        "SELECT Id, CloseDate FROM Opportunity WHERE Renewal_Sync_Key__c != null "
        f"AND IsClosed = false AND CloseDate <= {before['period']['to']} "
        f"AND CloseDate >= {before['period']['from']} ORDER BY CloseDate, Id LIMIT 2"
    )["records"]
    sf.Opportunity.update(won["Id"], {"StageName": "Closed Won"})
    sf.Opportunity.update(lost["Id"], {"StageName": "Closed Lost"})
    assert _cli(served, "sync", "--once").returncode == 0

    done = _cli(served, "report", "--json", *period, credentials=False)
    assert done.returncode == 0, done.stderr
    after = json.loads(done.stdout)
    assert after["kpis"]["won"] == before["kpis"]["won"] + 1
    assert after["kpis"]["lost"] == before["kpis"]["lost"] + 1
    assert after["kpis"]["open"] == before["kpis"]["open"] - 2
    assert after["kpis"]["due"] == before["kpis"]["due"]
    for key in ("resolution_rate", "close_rate", "conversion_rate", "grr", "nrr", "due",
                "won", "lost"):  # fmt: skip
        assert key in after["kpis"]
    assert {"calendar", "at_risk"} <= set(after)

    text = _cli(served, "report", credentials=False).stdout
    assert "Renewal calendar" in text
    assert "At risk" in text

    folder = tmp_path / "csv"
    assert _cli(served, "report", "--csv", str(folder), *period, credentials=False).returncode == 0
    with (folder / "kpis.csv").open(encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert row["won"] == str(after["kpis"]["won"])

    page = tmp_path / "report.html"
    assert _cli(served, "report", "--html", str(page), credentials=False).returncode == 0
    assert "<script" not in page.read_text(encoding="utf-8")
    shown = render(page.as_uri())
    assert shown.console == []
    for tile in TILES:
        assert f'data-kpi="{tile}"' in shown.dom
    assert 'id="calendar-chart"' in shown.dom
    assert "<svg" in shown.dom
    assert 'id="at_risk"' in shown.dom
