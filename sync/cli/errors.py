"""`renewal-sync errors`: the per-record errors as an admin's work list.

What needs action is kept apart from notes (a kept person edit, a renewal a person deleted:
the service did the right thing and says so). Each entry is named the way a person finds
it in the CRM (account, opportunity or deal, a link) beside the service's key; entries can
be filtered, exported, marked resolved or sent back for retry. Reads the state database
only: no CRM credentials, no API call.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mappings import Mapping, MappingError
from mappings.translate import read_one
from sync.cli.common import CONFIG_EXIT, open_read_only_store, settings_or_exit
from sync.connectors import failure_table
from sync.service import load_mapping
from sync.settings import Settings
from sync.state import StateStore
from sync.state.errors import NOTE_CODES, RecordError

app = typer.Typer(
    help="Per-record errors that need action (notes with --notes); resolve or retry them.",
    invoke_without_command=True,
    no_args_is_help=False,
)

COLUMNS = (
    "id", "kind", "code", "stage", "object", "key", "account", "record", "link",
    "attempts", "first_seen", "last_seen", "message", "who_acts", "hint",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Named:
    """What a person recognises a record by."""

    account: str = ""
    record: str = ""
    record_id: str = ""


@app.callback()
def errors_command(  # noqa: PLR0917 - one parameter per CLI option
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many errors to show")] = 50,
    notes: Annotated[bool, typer.Option("--notes", help="Show notes too (kept edits)")] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this code, e.g. DUPLICATE_VALUE")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Only this account (name part or id)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header row")] = False,
) -> None:
    """Per-record errors that need action, newest first (retried on every run until resolved)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_or_exit(read_only=True)
    store = open_read_only_store(settings)
    try:
        wanted = None if account else limit
        errors = store.errors.open(settings.crm, limit=wanted, notes=notes, code=kind)
        needs_action = store.errors.count_open(settings.crm)
        noted = store.errors.count_open(settings.crm, notes=True) - needs_action
        rows = [entry(settings, error, name_of(store, settings, error)) for error in errors]
    finally:
        store.close()
    if account:
        rows = [r for r in rows if _matches(r, account)][:limit]
    if as_json:
        typer.echo(json.dumps({"needs_action": needs_action, "notes": noted, "errors": rows}))
    elif as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(out.getvalue(), nl=False)
    else:
        _print(rows, needs_action, noted, notes)


@app.command("resolve")
def resolve_command(error_id: Annotated[int, typer.Argument(help="The id `errors` shows")]) -> None:
    """Mark one error resolved (it opens again if the record fails on a later run)."""
    settings = settings_or_exit(read_only=True)
    store = open_read_only_store(settings)
    try:
        _known(store, error_id)
        done = store.errors.resolve_id(error_id, now=datetime.now(UTC))
    finally:
        store.close()
    typer.echo(f"error {error_id} " + ("resolved" if done else "was already resolved"))


@app.command("retry")
def retry_command(error_id: Annotated[int, typer.Argument(help="The id `errors` shows")]) -> None:
    """Send one error back for retry: the next run tries the record again, past the limit."""
    settings = settings_or_exit(read_only=True)
    store = open_read_only_store(settings)
    try:
        _known(store, error_id)
        store.errors.retry_id(error_id)
    finally:
        store.close()
    typer.echo(
        f"error {error_id} will be retried on the next run "
        "(`renewal-sync sync --once` runs one now)"
    )


def _known(store: StateStore, error_id: int) -> None:
    if store.errors.by_id(error_id) is None:
        typer.echo(f"no error with id {error_id} (see `renewal-sync errors --notes`)", err=True)
        raise typer.Exit(CONFIG_EXIT)


def entry(settings: Settings, error: RecordError, named: Named) -> dict[str, Any]:
    """One error as a flat row (the same keys in text, JSON and CSV)."""
    meaning = failure_table(settings.crm).get(error.code)
    return {
        "id": error.id,
        "kind": "note" if error.code in NOTE_CODES else "action",
        "code": error.code,
        "stage": error.stage.value,
        "object": error.object_type,
        "key": error.record_key,
        "account": named.account,
        "record": named.record,
        "link": crm_link(settings, named.record_id),
        "attempts": error.attempts,
        "first_seen": error.first_seen_at.isoformat(timespec="seconds"),
        "last_seen": error.last_seen_at.isoformat(timespec="seconds"),
        "message": error.message,
        "who_acts": meaning.blame.value if meaning else "",
        "hint": meaning.hint if meaning else "",
    }


def crm_link(settings: Settings, record_id: str) -> str:
    """Where a person opens the record: Salesforce redirects /{id} to the record page;
    HubSpot needs the portal id (`hubspot_portal_id`) for its deal page."""
    if not record_id:
        return ""
    if settings.crm == "salesforce":
        base = settings.sf_instance_url
        return f"{base.rstrip('/')}/{record_id}" if base else ""
    if settings.hubspot_portal_id is None:
        return ""
    return f"https://app.hubspot.com/contacts/{settings.hubspot_portal_id}/record/0-3/{record_id}"


def name_of(store: StateStore, settings: Settings, error: RecordError) -> Named:
    """The account and opportunity (deal) behind an error key, read from the mirror
    through the mapping; blank where the key names no mirrored record."""
    try:
        mapping = load_mapping(settings)
    except MappingError:
        return Named()
    order_id = _order_id(error.record_key)
    orders = store.mirror.get(settings.crm, "order", [order_id])
    if order_id in orders:
        order = dict(orders[order_id].data)
        account_id = read_one("order", "account_id", order, mapping)
        record = str(read_one("order", "name", order, mapping) or order_id)
        who = _account_name(store, settings, mapping, account_id)
        written = store.written.get(settings.crm, error.object_type, [error.record_key])
        renewal = written.get(error.record_key)
        if renewal is not None and renewal.record_id and error.record_key != order_id:
            return Named(who, f"renewal of {record}", renewal.record_id)
        return Named(who, record, order_id)
    accounts = store.mirror.get(settings.crm, "account", [order_id])
    if order_id in accounts:
        return Named(_account_name(store, settings, mapping, order_id), "", order_id)
    return Named()


def _order_id(key: str) -> str:
    """`rn:006...` (a renewal of order 006...) and plain order ids both name the order."""
    parts = key.split(":")
    return parts[1] if len(parts) > 1 and len(parts[0]) <= 3 else key


def _account_name(store: StateStore, settings: Settings, mapping: Mapping, account_id: Any) -> str:
    if account_id is None:
        return ""
    found = store.mirror.get(settings.crm, "account", [str(account_id)])
    if str(account_id) not in found:
        return str(account_id)
    name = read_one("account", "name", dict(found[str(account_id)].data), mapping)
    return str(name or account_id)


def _matches(row: dict[str, Any], account: str) -> bool:
    wanted = account.casefold()
    return wanted in str(row["account"]).casefold() or wanted in str(row["key"]).casefold()


def _print(rows: list[dict[str, Any]], needs_action: int, noted: int, notes: bool) -> None:
    more = f"; {noted} note(s)" + ("" if notes else " (shown with --notes)") if noted else ""
    typer.echo(f"{needs_action} error(s) need action{more}")
    for row in rows:
        seen = f"seen {row['attempts']}x, last {row['last_seen'][:16].replace('T', ' ')}"
        tag = "note" if row["kind"] == "note" else row["stage"]
        head = f"- #{row['id']} [{tag}] {row['object']} {row['key']}: {row['code']}"
        typer.echo(f"{head} ({seen})")
        named = " / ".join(v for v in (row["account"], row["record"]) if v)
        if named or row["link"]:
            typer.echo(f"    {named}  {row['link']}".rstrip())
        typer.echo(f"    {row['message']}")
        if row["who_acts"]:  # a CRM's code: who should act, and how
            typer.echo(f"    ({row['who_acts']}) {row['hint']}")
