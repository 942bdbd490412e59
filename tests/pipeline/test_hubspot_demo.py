"""`renewal-sync demo --crm hubspot`: a generated portal synced twice; the second run writes
nothing, and the summary is what a HubSpot user sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import invoke
from tests.demo_env import assert_ran_twice_writing_nothing_the_second_time


@pytest.mark.usefixtures("demo_env")
def test_the_hubspot_demo_runs_twice_and_the_second_run_writes_nothing(tmp_path: Path) -> None:
    result = invoke(
        "demo", "--crm", "hubspot", "--accounts", "10", "--today", "2026-11-21",
        "--state-dir", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    output = result.output
    assert_ran_twice_writing_nothing_the_second_time(output)
    assert re.search(r"second run: \d+ API calls \(\d+ reads, 0 writes\), succeeded", output)
    assert "the second run wrote nothing" in output
    assert "== what a HubSpot user now sees ==" in output
    raised = re.search(r"renewal deals raised: (\d+) \((\d+) open\)", output)
    assert raised is not None
    assert int(raised.group(2)) > 0
    assert re.search(
        r"total expected renewal spend \(open renewal deals\): \$[1-9][\d,]*\.\d\d", output
    )
    assert re.search(r"milestone tasks raised: [1-9]", output)
    assert re.search(r"companies scored: [1-9]", output)
    # the demo ends with the report page, drawn from the portal's state
    page = tmp_path / "report.html"
    assert f"The renewals report (KPIs, calendar, at risk): {page.resolve()}" in output
    assert 'data-kpi="resolution_rate"' in page.read_text(encoding="utf-8")


@pytest.mark.usefixtures("demo_env")
def test_the_hubspot_demo_refuses_a_salesforce_org_schema(tmp_path: Path) -> None:
    result = invoke(
        "demo", "--crm", "hubspot", "--org-schema", "x.yaml", "--state-dir", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "Generating" not in result.output
