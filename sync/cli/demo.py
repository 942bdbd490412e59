"""`renewal-sync demo`: the main job on its embedded default - the sandbox and SQLite.

Starts a Salesforce sandbox loaded with generated data, runs a full sync, runs it again,
and prints what a Salesforce user now sees and what each run cost in API calls. The second
run must write nothing: that is the product's promise, shown rather than claimed.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from sync.cli.common import settings_or_exit
from sync.cli.report import print_summary
from sync.pipeline.run import RunResult, run_once
from sync.sandbox.factory import build_sandbox, opportunities_for
from sync.sandbox.salesforce import SalesforceSandbox
from sync.sandbox.server import serve_in_thread
from sync.service import connect, load_mapping
from sync.state import StateStore


def demo_command(
    accounts: Annotated[int, typer.Option(help="Generated accounts (about 4.4 orders each)")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 7,
    today: Annotated[str | None, typer.Option(help="The demo's today (YYYY-MM-DD)")] = None,
    state_dir: Annotated[
        Path, typer.Option(help="Where the demo's SQLite state file and certificate go")
    ] = Path(".renewal-sync/demo"),
) -> None:
    """Run the service against a generated Salesforce org, twice, and show the result."""
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    state_dir.mkdir(parents=True, exist_ok=True)
    database = state_dir / "state.db"
    database.unlink(missing_ok=True)
    typer.echo(f"Generating a Salesforce org: {accounts} accounts, data as of {day} ...")
    sandbox = build_sandbox(
        "salesforce", opportunities=opportunities_for(accounts), seed=seed, today=day
    )
    assert isinstance(sandbox, SalesforceSandbox)
    served = serve_in_thread(sandbox.wsgi_app, tls_dir=Path(tempfile.mkdtemp(dir=state_dir)))
    try:
        _environment(sandbox, served.url, str(served.ca_bundle), database, day)
        results = [_one_run(sandbox, label) for label in ("first run (full)", "second run")]
    finally:
        served.stop()
    _show_org(sandbox)
    _show_cost(results)


def _environment(sandbox: SalesforceSandbox, url: str, ca: str, database: Path, day: date) -> None:
    """Point the service at the sandbox the way an operator would: through the environment."""
    exports = sandbox.env_exports(url, ca)
    exports.pop("SF_ACCESS_TOKEN")  # log in with client credentials, as a real deployment would
    os.environ.update(exports)
    os.environ["RENEWAL_SYNC_CRM"] = "salesforce"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["RENEWAL_SYNC_TODAY"] = day.isoformat()
    os.environ.setdefault("RENEWAL_SYNC_LOG_LEVEL", "WARNING")


def _one_run(sandbox: SalesforceSandbox, label: str) -> tuple[str, RunResult, int, int]:
    settings = settings_or_exit()
    mapping = load_mapping(settings)
    store = StateStore.open(settings.database_url)
    sandbox.ledger.reset()
    try:
        result = run_once(settings, store, connect(settings), mapping)
    finally:
        store.close()
    typer.echo(f"\n== {label} ==")
    print_summary(result)
    return label, result, sandbox.ledger.reads, sandbox.ledger.writes


def _show_org(sandbox: SalesforceSandbox) -> None:
    """What a Salesforce user now sees in the org."""
    renewals = [o for o in sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c")]
    open_renewals = [o for o in renewals if not o.get("IsClosed")]
    tasks = [t for t in sandbox.records("Task") if t.get("Renewal_Sync_Key__c")]
    scored = [a for a in sandbox.records("Account") if a.get("Health_Score__c") is not None]
    spend = sum((Decimal(str(o.get("Amount") or 0)) for o in open_renewals), Decimal(0))
    typer.echo("\n== what a Salesforce user now sees ==")
    typer.echo(f"  renewal opportunities raised: {len(renewals)} ({len(open_renewals)} open)")
    typer.echo(f"  total expected renewal spend (open renewals): ${spend:,.2f}")
    typer.echo(f"  milestone tasks raised: {len(tasks)} ({_by(tasks, 'Status')})")
    typer.echo(f"  accounts scored: {len(scored)} ({_by(scored, 'Health_Tier__c')})")
    for renewal in sorted(open_renewals, key=lambda o: str(o.get("CloseDate")))[:5]:
        typer.echo(
            f"    {renewal.get('Name')}: ${Decimal(str(renewal.get('Amount') or 0)):,.2f}, "
            f"closes {renewal.get('CloseDate')}"
        )


def _show_cost(results: list[tuple[str, RunResult, int, int]]) -> None:
    typer.echo("\n== what it cost ==")
    for label, result, reads, writes in results:
        typer.echo(
            f"  {label}: {reads + writes} API calls"
            f" ({reads} reads, {writes} writes), {result.status}"
        )
    second = results[-1]
    verdict = "nothing" if second[3] == 0 else f"{second[3]} write call(s) - unexpected"
    typer.echo(f"  the second run wrote {verdict}")


def _by(rows: list[dict[str, Any]], field: str) -> str:
    counts = Counter(str(r.get(field)) for r in rows)
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
