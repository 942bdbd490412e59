"""What `renewal-sync demo` does: the main job on its embedded default - sandbox and SQLite.

Imported only by the demo command, after it checked the sandbox extra is installed.

Starts a Salesforce sandbox loaded with generated data, runs a full sync, runs it again,
and prints what a Salesforce user now sees and what each run cost in API calls. The second
run must write nothing: that is the product's promise, shown rather than claimed.
`--crm hubspot` does the same against a generated HubSpot portal (plain HTTP on loopback).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from crm_sandbox.base import Sandbox
from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate, iter_accounts
from crm_sandbox.factory import build_sandbox, opportunities_for
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.loader import Layout, Loader
from crm_sandbox.server import serve_in_thread
from mappings import Mapping, load
from mappings.schema import WriteConcept
from sync.cli.common import config_errors, settings_or_exit
from sync.cli.report import print_summary
from sync.pipeline.run import RunResult, rules_for
from sync.report.document import build, year_to
from sync.report.gather import gather
from sync.report.render import write_html
from sync.service import load_mapping, open_service
from sync.state import StateStore


def run_demo(
    *,
    accounts: int,
    seed: int,
    today: str | None,
    state_dir: Path,
    mapping: Path | None,
    org_schema: Path | None,
    crm: str,
) -> None:
    """`renewal-sync demo` (sync/cli/demo.py), once the sandbox extra is known to import."""
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    if mapping is not None:
        with config_errors():
            load(mapping)  # a bad file fails here, before an org is generated
    if crm == "hubspot":
        if org_schema is not None:
            typer.echo("--org-schema describes a Salesforce org; it has no HubSpot meaning")
            raise typer.Exit(2)
        _hubspot_demo(accounts, seed, day, state_dir, mapping)
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    database = state_dir / "state.db"
    database.unlink(missing_ok=True)
    typer.echo(f"Generating a Salesforce org: {accounts} accounts, data as of {day} ...")
    sandbox = _org(opportunities_for(accounts), seed, day, org_schema)
    served = serve_in_thread(sandbox.wsgi_app, tls_dir=Path(tempfile.mkdtemp(dir=state_dir)))
    try:
        _environment(sandbox, served.url, str(served.ca_bundle), database, day, mapping=mapping)
        results = [_one_run(sandbox, label) for label in ("first run (full)", "second run")]
        used = load_mapping(settings_or_exit())
    finally:
        served.stop()
    _show_org(sandbox, used)
    _show_cost(results)
    write_report_page(state_dir, day, used)


def _org(opportunities: int, seed: int, day: date, schema: Path | None) -> SalesforceSandbox:
    """The standard generated org, or one whose fields follow a schema variant."""
    if schema is None:
        sandbox = build_sandbox("salesforce", opportunities=opportunities, seed=seed, today=day)
        assert isinstance(sandbox, SalesforceSandbox)
        return sandbox
    variant = SalesforceSandbox(seed=seed, clock=SandboxClock.wall(), schema_path=schema)
    dataset = generate(opportunities, seed=seed, today=day)
    Loader(variant, Layout.from_schema_file(schema)).load(dataset, iter_accounts(dataset))
    return variant


def _environment(
    sandbox: SalesforceSandbox,
    url: str,
    ca: str,
    database: Path,
    day: date,
    *,
    mapping: Path | None,
) -> None:
    """Point the service at the sandbox the way an operator would: through the environment."""
    exports = sandbox.env_exports(url, ca)
    exports.pop("SF_ACCESS_TOKEN")  # log in with client credentials, as a real deployment would
    os.environ.update(exports)
    _service_environment("salesforce", database, day, mapping)


def _service_environment(crm: str, database: Path, day: date, mapping: Path | None) -> None:
    """What both demos set besides the CRM's own credentials: the CRM, an SQLite file, the
    sandbox's "today", quiet logs, and the mapping file (or the shipped default)."""
    os.environ["RENEWAL_SYNC_CRM"] = crm
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["RENEWAL_SYNC_TODAY"] = day.isoformat()
    os.environ.setdefault("RENEWAL_SYNC_LOG_LEVEL", "WARNING")
    if mapping is not None:
        os.environ["RENEWAL_SYNC_MAPPING_FILE"] = str(mapping)
    else:
        os.environ.pop("RENEWAL_SYNC_MAPPING_FILE", None)


def _one_run(sandbox: Sandbox, label: str) -> tuple[str, RunResult, int, int]:
    service = open_service(settings_or_exit())
    sandbox.ledger.reset()
    try:
        result = service.run_once()
    finally:
        service.close()
    typer.echo(f"\n== {label} ==")
    print_summary(result)
    return label, result, sandbox.ledger.reads, sandbox.ledger.writes


def _show_org(sandbox: SalesforceSandbox, mapping: Mapping) -> None:
    """What a Salesforce user now sees in the org."""
    _show("Salesforce", ("renewal opportunities", "renewals", "accounts"), sandbox.records, mapping)


def _show_portal(portal: HubSpotSandbox, mapping: Mapping) -> None:
    """What a HubSpot user now sees in the portal."""

    def rows(object_type: str) -> list[dict[str, Any]]:
        return [dict(record.props) for record in portal.records(object_type)]

    _show("HubSpot", ("renewal deals", "renewal deals", "companies"), rows, mapping)


def _show(
    crm: str,
    labels: tuple[str, str, str],
    rows: Callable[[str], list[dict[str, Any]]],
    mapping: Mapping,
) -> None:
    """The user's view; every field name comes from the mapping (none is written here)."""
    renewals_label, open_label, accounts_label = labels
    renewal, task = mapping.write["renewal"], mapping.write["task"]
    rollup = mapping.write["account_rollup"]
    amount, close, name = (_field(renewal, f) for f in ("amount", "close_date", "name"))
    renewals = [r for r in rows(renewal.object) if r.get(str(renewal.key_field))]
    open_renewals = [r for r in renewals if _is_open(renewal, r)]
    tasks = [r for r in rows(task.object) if r.get(str(task.key_field))]
    score, tier = _field(rollup, "health_score"), _field(rollup, "health_tier")
    scored = [r for r in rows(rollup.object) if r.get(score) not in (None, "")]
    spend = sum((Decimal(str(r.get(amount) or 0)) for r in open_renewals), Decimal(0))
    typer.echo(f"\n== what a {crm} user now sees ==")
    typer.echo(f"  {renewals_label} raised: {len(renewals)} ({len(open_renewals)} open)")
    typer.echo(f"  total expected renewal spend (open {open_label}): ${spend:,.2f}")
    typer.echo(f"  milestone tasks raised: {len(tasks)} ({_by(tasks, _field(task, 'status'))})")
    typer.echo(f"  {accounts_label} scored: {len(scored)} ({_by(scored, tier)})")
    for row in sorted(open_renewals, key=lambda r: str(r.get(close)))[:5]:
        typer.echo(
            f"    {row.get(name)}: ${Decimal(str(row.get(amount) or 0)):,.2f}, "
            f"closes {str(row.get(close))[:10]}"
        )


def _is_open(renewal: WriteConcept, row: dict[str, Any]) -> bool:
    """Not in the won or lost stage, as the mapping's stage value map names them."""
    stage = renewal.fields.get("stage")
    if stage is None or not stage.field:
        return True
    closed = {str((stage.values or {}).get(s, s)) for s in ("won", "lost")}
    return str(row.get(stage.field)) not in closed


def _field(concept: WriteConcept, name: str) -> str:
    spec = concept.fields.get(name)
    return str(spec.field) if spec is not None and spec.field else name


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


# ---- HubSpot ------------------------------------------------------------------------------

HUBSPOT_DEMO_WINDOW = 100_000
"""Calls per ten seconds of the demo portal and the service: a local sandbox need not be paced."""


def _hubspot_demo(
    accounts: int, seed: int, day: date, state_dir: Path, mapping: Path | None
) -> None:
    """The same demo against a generated HubSpot portal served over plain HTTP on loopback."""
    state_dir.mkdir(parents=True, exist_ok=True)
    database = state_dir / "state.db"
    database.unlink(missing_ok=True)
    typer.echo(f"Generating a HubSpot portal: {accounts} companies, data as of {day} ...")
    portal = HubSpotSandbox(
        seed=seed, clock=SandboxClock.wall(), ten_second_limit=HUBSPOT_DEMO_WINDOW
    )
    portal.load(generate(opportunities_for(accounts), seed=seed, today=day))
    served = serve_in_thread(portal.wsgi_app)
    try:
        _environment_hubspot(portal, served.url, database, day, mapping=mapping)
        results = [_one_run(portal, label) for label in ("first run (full)", "second run")]
        used = load_mapping(settings_or_exit())
    finally:
        served.stop()
    _show_portal(portal, used)
    _show_cost(results)
    write_report_page(state_dir, day, used)


def write_report_page(state_dir: Path, day: date, mapping: Mapping) -> Path:
    """The demo ends with the renewals report a person would rather look at than read."""
    settings = settings_or_exit()
    store = StateStore.open(settings.database_url)
    try:
        rules = rules_for(settings, mapping)
        document = build(gather(store, settings.crm, mapping, rules, day), year_to(day), day)
    finally:
        store.close()
    path = write_html(document, state_dir / "report.html")
    typer.echo(f"\nThe renewals report (KPIs, calendar, at risk): {path.resolve()}")
    return path


def _environment_hubspot(
    portal: HubSpotSandbox, url: str, database: Path, day: date, *, mapping: Path | None
) -> None:
    """Point the service at the portal through the environment, as an operator would."""
    os.environ.update(portal.env_exports(url, None))
    os.environ["RENEWAL_SYNC_HUBSPOT_TEN_SECOND_LIMIT"] = str(HUBSPOT_DEMO_WINDOW)
    _service_environment("hubspot", database, day, mapping)
