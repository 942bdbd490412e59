"""Human-readable summaries of a run and of a dry run (what would change, with amount deltas)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import typer

from mappings import RenewalIntent
from sync.pipeline.renewal_edits import DERIVED
from sync.pipeline.run import RunResult
from sync.pipeline.world import World
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
    """Every change the run would make, by kind, with renewal amount deltas.

    `examples` caps the listed records per kind (0 lists them all). Each record reads
    `create|update KEY "name" [amount +delta]`, then one line per CRM field with its value
    now and the value the run would write, so a person can review it line by line against
    what the following real run writes.
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
            typer.echo(f"    {_describe(item, result.world)}")
            for change in field_changes(item):
                typer.echo(f"        {change['field']}: {change['old']} -> {change['new']}")
        if len(items) > len(shown):
            typer.echo(f"    ... and {len(items) - len(shown)} more (--all lists every one)")
    if result.stats.get("human_edits_kept"):
        typer.echo(f"  renewals edited by a person, left alone: {result.stats['human_edits_kept']}")
    typer.echo(f"  renewal amount change in total: {_total(result):+,.2f}")


def dry_run_document(result: RunResult, *, examples: int = 0) -> dict[str, Any]:
    """The dry run as one JSON-ready document (`sync --once --dry-run --json`): every
    change with its name, amount delta and each field's value now and to be written."""
    changes = {} if result.report is None else result.report.changes
    listed: dict[str, list[dict[str, Any]]] = {}
    for concept, items in sorted(changes.items()):
        shown = items if examples <= 0 else items[:examples]
        listed[concept] = [_item_document(item, result.world) for item in shown]
    return {
        "run_id": result.run_id,
        "status": str(result.status),
        "error": result.error,
        "subscriptions": result.stats.get("subscriptions", 0),
        "counts": {concept: len(items) for concept, items in sorted(changes.items()) if items},
        "changes": {concept: items for concept, items in listed.items() if items},
        "human_edits_kept": result.stats.get("human_edits_kept", 0),
        "renewal_amount_change": f"{_total(result):.2f}",
    }


def _item_document(item: Item, world: World | None = None) -> dict[str, Any]:
    return {
        "action": _verb(item),
        "key": item.key,
        "record_id": item.record_id,
        "name": _name(item),
        "account": _account(item, world),
        "amount_delta": f"{_delta(item):.2f}",
        "fields": field_changes(item),
    }


def field_changes(item: Item) -> list[dict[str, Any]]:
    """Each CRM field the run would write: its value now (None on a new record) and new."""
    if item.plan is None:
        return []
    now = item.current or {}
    return [
        {"field": name, "old": _plain(now.get(name)), "new": _plain(value)}
        for name, value in sorted(item.plan.payload.items())
    ]


def _plain(value: Any) -> Any:
    """A value as JSON and a terminal show it (dates and decimals as text)."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _total(result: RunResult) -> Decimal:
    changes = {} if result.report is None else result.report.changes
    return sum((_delta(i) for i in changes.get("renewal", [])), Decimal(0))


def _verb(item: Item) -> str:
    return "create" if item.plan is not None and item.plan.is_new else "update"


def _name(item: Item) -> str:
    """What a person calls the record: its name in the CRM now, else the one the run gives it."""
    decisions = item.plan.decisions if item.plan is not None else ()
    for decision in decisions:
        if decision.canonical_field in {"name", "subject"} and item.current:
            shown = item.current.get(decision.crm_field)
            if shown:
                return str(shown)
    for attribute in ("name", "subject", "sku"):
        value = getattr(item.intent, attribute, None)
        if value:
            return str(value)
    return ""


def _account(item: Item, world: World | None) -> str:
    """The name of the account the record belongs to (roll-ups, tasks, renewals)."""
    account_id = getattr(item.intent, "account_id", None)
    if world is None or not account_id:
        return ""
    found = world.accounts.get(str(account_id))
    return found[0].name or "" if found else ""


def _describe(item: Item, world: World | None = None) -> str:
    delta = _delta(item)
    amount = f" amount {delta:+,.2f}" if delta else ""
    name = _name(item)
    named = f' "{name}"' if name else ""
    account = _account(item, world)
    of = f" of {account}" if account and account != name else ""
    return f"{_verb(item)} {item.key}{named}{of}{amount}"


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
