"""Human-readable summaries of a run and of a dry run (what would change, with amount deltas)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import typer

from mappings import RenewalIntent
from sync.pipeline.renewal_edits import DERIVED
from sync.pipeline.run import RunResult
from sync.pipeline.writes import Item
from sync.state import RunStatus

_EXAMPLES = 10


def print_summary(result: RunResult) -> None:
    """One paragraph an admin can read: status, what was written, what it cost."""
    stats = result.stats
    if not result.began:  # one line: why nothing was done
        to_stderr = result.status is RunStatus.FAILED
        typer.echo(f"run {result.run_id or '-'} {result.status}: {result.error}", err=to_stderr)
        return
    typer.echo(f"run {result.run_id or '-'}: {result.status}")
    if result.error:
        typer.echo(f"  {result.error}")
    written = {k.removeprefix("written."): v for k, v in stats.items() if k.startswith("written.")}
    failed = {
        k.removeprefix("failed."): v for k, v in stats.items() if k.startswith("failed.") and v
    }
    typer.echo(f"  subscriptions evaluated: {stats.get('subscriptions', 0)}")
    typer.echo(f"  written: {_counts(written) or 'nothing'}")
    if failed:
        typer.echo(f"  rejected by the CRM: {_counts(failed)} (see `renewal-sync errors`)")
    if stats.get("human_edits_kept"):
        typer.echo(f"  renewals edited by a person, left alone: {stats['human_edits_kept']}")
    typer.echo(f"  API calls: {stats.get('api_calls', 0)}")


def print_dry_run(result: RunResult, *, examples: int = _EXAMPLES) -> None:
    """Every change the run would make, by kind, with examples and renewal amount deltas.

    `examples` caps the listed records per kind (0 lists them all). Each line reads
    `create|update KEY [amount +delta] [CRM fields]`, so a preview can be checked line by
    line against what the following real run writes.
    """
    typer.echo(f"dry run {result.run_id or '-'}: {result.status} (nothing was written)")
    if result.error:
        typer.echo(f"  {result.error}")
    typer.echo(f"  subscriptions evaluated: {result.stats.get('subscriptions', 0)}")
    if result.report is None:
        return
    changes = {k: v for k, v in sorted(result.report.changes.items()) if v}
    if not changes:
        typer.echo("  no change: the CRM already holds what the service would write")
    for concept, items in changes.items():
        creates = sum(1 for i in items if i.plan is not None and i.plan.is_new)
        typer.echo(f"  {concept}: {len(items)} change(s), {creates} new")
        shown = items if examples <= 0 else items[:examples]
        for item in shown:
            typer.echo(f"    {_describe(item)}")
        if len(items) > len(shown):
            typer.echo(f"    ... and {len(items) - len(shown)} more")
    if result.stats.get("human_edits_kept"):
        typer.echo(f"  renewals edited by a person, left alone: {result.stats['human_edits_kept']}")
    total = sum((_delta(i) for i in result.report.changes.get("renewal", [])), Decimal(0))
    typer.echo(f"  renewal amount change in total: {total:+,.2f}")


def _describe(item: Item) -> str:
    verb = "create" if item.plan is not None and item.plan.is_new else "update"
    fields = ", ".join(sorted(item.plan.payload)) if item.plan else ""
    delta = _delta(item)
    amount = f" amount {delta:+,.2f}" if delta else ""
    return f"{verb} {item.key}{amount} [{fields}]"


def _delta(item: Item) -> Decimal:
    """New amount minus what the CRM shows now (the whole amount for a new renewal)."""
    if (
        not isinstance(item.intent, RenewalIntent)
        or item.intent.amount is None
        or item.plan is None
    ):
        return Decimal(0)
    decision = next((d for d in item.plan.decisions if d.canonical_field == "amount"), None)
    if decision is None:
        return Decimal(0)
    amount_field = decision.crm_field
    follows_lines = decision.reason == DERIVED and not item.keep_edits  # the roll-up moves
    if amount_field not in item.plan.payload and not follows_lines:
        return Decimal(0)
    before = _decimal((item.current or {}).get(amount_field))
    return item.intent.amount - before


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if v)
