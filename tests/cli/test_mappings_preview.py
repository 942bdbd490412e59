"""`renewal-sync mappings preview NEW_FILE`: a dry run under the new mapping that writes
nothing, changes nothing a later run relies on, and foretells the next real run exactly."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crm_sandbox.salesforce import SalesforceSandbox
from mappings import default_path, load
from sync.connectors.salesforce import connect_salesforce
from sync.pipeline.run import RunResult, run_once
from sync.settings import load_settings
from sync.state import StateStore
from tests.cli.conftest import invoke, new_sandbox, tick

DEFAULT = default_path("salesforce").read_text(encoding="utf-8")
KEPT = ("written_state", "first_seen", "record_errors")
"""State a later real run relies on: a preview must leave these tables as they were."""


@pytest.fixture
def org(serve: Any) -> SalesforceSandbox:
    """A served org with generated data, synced once for real with the default mapping."""
    sandbox: SalesforceSandbox = serve(new_sandbox(40))
    result = invoke("sync", "--once")
    assert result.exit_code == 0, result.output
    tick(sandbox)
    return sandbox


def _mapping(tmp_path: Path, old: str, new: str) -> Path:
    assert DEFAULT.count(old) == 1, old
    path = tmp_path / "new-mapping.yaml"
    path.write_text(DEFAULT.replace(old, new), encoding="utf-8")
    return path


def _tables() -> dict[str, list[Any]]:
    engine = create_engine(load_settings().database_url)
    try:
        with engine.connect() as conn:
            return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")))) for t in KEPT}
    finally:
        engine.dispose()


def _preview(path: Path, sandbox: SalesforceSandbox) -> tuple[str, dict[str, set[str]]]:
    """Run the preview; return its output and the keys it lists per kind of change."""
    before = _tables()
    sandbox.ledger.reset()
    result = invoke("mappings", "preview", str(path), "--examples", "0")
    assert result.exit_code == 0, result.output
    assert sandbox.ledger.writes == 0, "a preview writes nothing to the CRM"
    assert _tables() == before, "a preview leaves written, first-seen and errors alone"
    listed: dict[str, set[str]] = {}
    concept = ""
    for line in result.output.splitlines():
        head = re.match(r"  (\S+): (\d+) change\(s\)", line)
        if head:
            concept = head.group(1)
            listed[concept] = set()
        found = re.match(r"    (create|update) (\S+)", line)
        if found:
            listed[concept].add(found.group(2))
    return result.output, listed


def _real_run(path: Path, sandbox: SalesforceSandbox) -> RunResult:
    """The next real run under the new mapping (as `sync --once` does it)."""
    settings = load_settings()
    store = StateStore.open(settings.database_url)
    sandbox.ledger.reset()
    try:
        return run_once(settings, store, connect_salesforce(settings), load(path))
    finally:
        store.close()


def _changed_keys(result: RunResult) -> dict[str, set[str]]:
    assert result.report is not None
    return {c: {i.key for i in items} for c, items in result.report.changes.items() if items}


def _renewals(sandbox: SalesforceSandbox) -> dict[str, dict[str, Any]]:
    opps = sandbox.records("Opportunity")
    return {o["Renewal_Sync_Key__c"]: o for o in opps if o.get("Renewal_Sync_Key__c")}


def test_a_mapping_that_writes_one_more_field_previews_what_the_next_run_writes(
    org: SalesforceSandbox, tmp_path: Path
) -> None:
    path = _mapping(
        tmp_path,
        "ledger: {field: Renewal_Ledger__c, policy: always}",
        "ledger: {field: Description, policy: always}",
    )
    output, listed = _preview(path, org)
    assert set(listed) == {"renewal"}, output
    assert "renewal amount change in total: +0.00" in output
    real = _real_run(path, org)
    assert real.status == "succeeded"
    assert _changed_keys(real) == listed
    assert org.ledger.writes > 0
    renewals = _renewals(org)
    for key in listed["renewal"]:
        assert renewals[key]["Description"] == renewals[key]["Renewal_Ledger__c"]
    tick(org)
    output, listed = _preview(path, org)
    assert "no change: the CRM already holds what the service would write" in output
    assert listed == {}


def test_a_mapping_that_prices_differently_previews_the_amount_deltas(
    org: SalesforceSandbox, tmp_path: Path
) -> None:
    path = _mapping(
        tmp_path,
        "      - {field: Discount, as: percent, kind: recurring}\n",
        "",
    )
    before = {k: Decimal(str(o["Amount"] or 0)) for k, o in _renewals(org).items()}
    output, listed = _preview(path, org)
    total = re.search(r"renewal amount change in total: ([+-][\d,.]+)", output)
    assert total is not None
    assert Decimal(total.group(1).replace(",", "")) > 0, "without the discount renewals cost more"
    real = _real_run(path, org)
    assert real.status == "succeeded"
    assert _changed_keys(real) == listed
    after = {k: Decimal(str(o["Amount"] or 0)) for k, o in _renewals(org).items()}
    assert after.keys() == before.keys()
    deltas = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert sum(deltas.values()) == Decimal(total.group(1).replace(",", ""))
    assert set(deltas) <= listed["renewal"]
