"""`renewal-sync reconcile`: read the whole CRM and check what the service promises.

Exit codes: 0 when every gap was repaired (or there was none), 3 when a gap needs a person
(it is on `renewal-sync errors`), 1 when the run failed; a dry run
exits 3 as soon as it finds any gap, so a script can tell a clean org from a drifted one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Annotated, Any

import typer

from sync.alerts import notify_after
from sync.cli.common import config_errors, settings_or_exit, startup_errors, table
from sync.cli.ops import TodayOption
from sync.core.progress import for_terminal
from sync.core.stop import StopToken, stop_on_signals
from sync.pipeline.reconcile import Gap
from sync.pipeline.run import RunResult
from sync.service import open_service
from sync.state import RunStatus

GAPS_FOUND = 3


def reconcile_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the gaps; repair nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    today: TodayOption = None,
) -> None:
    """Check the CRM against the invariants (one open renewal per live contract, lines that
    add up to the amount, each milestone task once, roll-ups as computed) and repair what the
    service owns. The daemon runs this once a day (setting `reconcile_daily`)."""
    settings = settings_or_exit({"today": today})
    with config_errors(), startup_errors(settings):
        service = open_service(settings)
    stop = StopToken()
    stop_on_signals(stop)
    try:
        result = service.run_once(
            dry_run=dry_run, stop=stop, reconcile=True, progress=for_terminal()
        )
        if not dry_run:
            notify_after(settings, service.store, result.run_id)
    finally:
        service.close()
    gaps = result.gaps or []
    if as_json:
        typer.echo(json.dumps(reconcile_document(result), default=str))
    else:
        print_reconciliation(result, dry_run=dry_run)
    if result.status is not RunStatus.SUCCEEDED:
        raise typer.Exit(1)
    open_gaps = [g for g in gaps if not g.kept]
    if any(g.needs_person for g in gaps) or (dry_run and open_gaps):
        raise typer.Exit(GAPS_FOUND)


def reconcile_document(result: RunResult) -> dict[str, Any]:
    """The reconciliation as JSON: the run, the counts and every gap."""
    gaps = result.gaps or []
    return {
        "run_id": result.run_id,
        "status": result.status.value,
        "error": result.error,
        "counts": _counts(gaps),
        "gaps": [asdict(g) | {"needs_person": g.needs_person} for g in gaps],
    }


def print_reconciliation(result: RunResult, *, dry_run: bool) -> None:
    label = "reconcile (dry run)" if dry_run else "reconcile"
    typer.echo(f"{label} {result.run_id or '-'}: {result.status}")
    if result.error:
        typer.echo(f"  {result.error}")
    if result.gaps is None:
        return
    counts = _counts(result.gaps)
    typer.echo(
        f"  records read: {sum(v for k, v in result.stats.items() if k.startswith('pulled.'))}; "
        f"gaps: {counts['gaps']} ({counts['repaired']} "
        f"{'to repair' if dry_run else 'repaired'}, {counts['need_person']} need a person); "
        f"a person's decisions kept: {counts['kept']}"
    )
    if not result.gaps:
        typer.echo("  the CRM holds exactly what the service promises")
        return
    rows = [[g.kind, g.record[:48], g.repair[:60]] for g in _ordered(result.gaps)]
    typer.echo(table(rows, ["gap", "record", "what became of it"]))
    for gap in _ordered(result.gaps):
        if gap.needs_person:
            typer.echo(f"  - {gap.message}")


def _ordered(gaps: list[Gap]) -> list[Gap]:
    return sorted(gaps, key=lambda g: (not g.needs_person, g.kept, g.kind, g.record))


def _counts(gaps: list[Gap]) -> dict[str, Any]:
    open_gaps = [g for g in gaps if not g.kept]
    return {
        "gaps": len(open_gaps),
        "repaired": sum(1 for g in open_gaps if not g.needs_person),
        "need_person": sum(1 for g in open_gaps if g.needs_person),
        "kept": sum(1 for g in gaps if g.kept),
        "by_kind": dict(Counter(g.kind for g in gaps)),
    }
