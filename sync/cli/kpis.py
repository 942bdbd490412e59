"""`renewal-sync report`: renewal KPIs, the renewal calendar and the at-risk list, from the
state the service keeps (no CRM call, no credentials: like `runs` and `errors`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sync.cli.common import config_errors, open_read_only_store, settings_or_exit, table
from sync.pipeline.run import rules_for
from sync.report.document import build, year_to
from sync.report.gather import gather
from sync.report.render import tables, write_csv, write_html
from sync.service import load_mapping

Day = Annotated[str | None, typer.Option(help="YYYY-MM-DD")]


def report_command(  # noqa: PLR0917 - one parameter per CLI option
    as_of: Day = None,
    start: Annotated[str | None, typer.Option("--from", help="Period start (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Period end (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="Write one CSV file per table into DIR")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write one HTML page")] = None,
) -> None:
    """Renewal KPIs for a period (default: the 12 months to --as-of), the renewal calendar,
    the renewals at risk. Formulas: docs/report.md."""
    settings = settings_or_exit(read_only=True)
    with config_errors():
        mapping = load_mapping(settings)
    today = _day(as_of, "--as-of") or settings.today or datetime.now(UTC).date()
    period_end = _day(end, "--to") or today
    period_start = _day(start, "--from") or year_to(period_end)
    store = open_read_only_store(settings)
    try:
        rules = rules_for(settings, mapping)
        document = build(
            gather(store, settings.crm, mapping, rules, today), period_start, period_end
        )
    finally:
        store.close()
    if csv_dir is not None:
        for path in write_csv(document, csv_dir):
            typer.echo(f"wrote {path}", err=True)
    if html is not None:
        typer.echo(f"wrote {write_html(document, html)}", err=True)
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    elif csv_dir is None and html is None:
        print_report(document)


def print_report(document: dict[str, Any]) -> None:
    period = document["period"]
    typer.echo(f"Renewals due {period['from']} to {period['to']} (as of {document['as_of']})")
    titles = {
        "kpis": "KPIs", "retention": "Retention", "kpis_by_segment": "By segment",
        "kpis_by_owner": "By owner", "calendar": "Renewal calendar (open, due within)",
        "calendar_by_month": "By month", "overdue_tasks": "Overdue milestone tasks",
        "at_risk": "At risk (red or yellow, due within 150 days)",
    }  # fmt: skip
    for name, (head, rows) in tables(document).items():
        typer.echo(f"\n{titles.get(name, name)}")
        typer.echo(table(rows, head) if rows else "  none")


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"{option} {value!r} is not a date: use YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
