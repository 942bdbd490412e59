"""Operational commands: sync once, run the daemon, health, run history, per-record errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from sync.alerts import notify_after
from sync.cli.common import (
    config_errors,
    open_read_only_store,
    settings_or_exit,
    startup_errors,
    table,
)
from sync.cli.report import dry_run_document, print_dry_run, print_summary
from sync.core.logs import get_logger
from sync.core.progress import for_terminal
from sync.core.stop import StopToken, stop_on_signals
from sync.daemon import Daemon
from sync.health import health_of
from sync.metrics import Metrics
from sync.pipeline.run import RunResult
from sync.service import open_service
from sync.state import Run, RunMode, RunStatus, StateStore
from sync.status_page import StatusPage, serve_status_page

log = get_logger("renewal_sync.daemon")

TodayOption = Annotated[
    str | None, typer.Option(help="Evaluate as of this day (YYYY-MM-DD); UTC today by default")
]


def sync_command(  # noqa: PLR0917 - one parameter per CLI option
    once: Annotated[bool, typer.Option("--once", help="Run one sync and exit")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the CRM changes it would make; write nothing")
    ] = False,
    today: TodayOption = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Dry run: records listed per kind (0: all)")
    ] = 10,
    show_all: Annotated[bool, typer.Option("--all", help="Dry run: list every record")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Dry run: one JSON document")] = False,
) -> None:
    """Run one sync now (the daemon is `renewal-sync run`)."""
    if not once:
        typer.echo("Use `renewal-sync sync --once` for one run, `renewal-sync run` for the daemon.")
        raise typer.Exit(2)
    settings = settings_or_exit({"today": today})
    with config_errors(), startup_errors(settings):
        service = open_service(settings)
    stop = StopToken()
    stop_on_signals(stop)  # SIGTERM: finish the call in flight, record the run interrupted
    try:
        result = service.run_once(dry_run=dry_run, stop=stop, progress=for_terminal())
        if not dry_run:
            notify_after(settings, service.store, result.run_id)
    finally:
        service.close()
    examples = 0 if show_all else limit
    if dry_run and as_json:
        typer.echo(json.dumps(dry_run_document(result, examples=examples), default=str))
    elif dry_run:
        print_dry_run(result, examples=examples)
    else:
        print_summary(result)
    raise typer.Exit(exit_code(result.status, stop))


def exit_code(status: RunStatus, stop: StopToken) -> int:
    """0 when the run did its work or had none to do (skipped: another runner syncs, or
    deferred: the allowance is spent until tomorrow); 1 when it failed; 128 + the signal
    when a signal stopped it, as a shell reports a process ended by that signal."""
    if status is RunStatus.FAILED:
        return 1
    if status is RunStatus.INTERRUPTED:
        return 128 + (stop.signal or signal.SIGTERM)
    return 0


def run_command(today: TodayOption = None) -> None:
    """Run the daemon: a sync every `interval_minutes`, one runner per database, until SIGTERM."""
    settings = settings_or_exit({"today": today})
    with config_errors(), startup_errors(settings):
        service = open_service(settings)

    metrics = Metrics()
    metrics.prime(settings.crm)
    if settings.metrics_port:
        metrics.serve(settings.metrics_port)
    if settings.status_port is not None:
        page = StatusPage(settings, service.store, service.mapping, metrics.registry)
        served = serve_status_page(page, settings.status_host, settings.status_port)
        log.info("status_page_serving", host=settings.status_host, port=served.server_port)

    def tick(stop: StopToken) -> None:
        began = time.monotonic()
        result = service.run_once(stop=stop)  # every failure is a run row, never an exception
        open_errors = service.store.errors.count_open(settings.crm)
        metrics.record(
            settings.crm, result, open_errors=open_errors, now=time.time(),
            duration=time.monotonic() - began,
        )  # fmt: skip
        notify_after(settings, service.store, result.run_id)
        if settings.reconcile_daily and reconcile_due(service.store, settings.crm, result):
            checked = service.run_once(stop=stop, reconcile=True)
            notify_after(settings, service.store, checked.run_id)

    daemon_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    interval = timedelta(minutes=settings.interval_minutes)
    daemon = Daemon(service.store, tick, interval, daemon_id, clock=service.clock)
    last = service.store.runs.last(settings.crm)
    daemon.start(last.started_at if last else None)
    try:
        daemon.serve_forever()
    finally:
        service.close()


def reconcile_due(store: StateStore, crm: str, after: RunResult) -> bool:
    """Once a day, right after that day's first successful sync (which has already raised
    the milestones due today, so what reconciliation finds is drift, not new work)."""
    if after.status is not RunStatus.SUCCEEDED or not after.began or after.run_id is None:
        return False
    run = store.runs.get(after.run_id)
    tried = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.DEFERRED)
    last = store.runs.last(crm, statuses=tried, modes=(RunMode.RECONCILE,))
    return run is not None and (last is None or last.started_at.date() < run.started_at.date())


def health_command(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 unless the heartbeat is fresh")
    ] = False,
) -> None:
    """Is a daemon alive, and is it syncing? (the container HEALTHCHECK runs `health --check`)

    Unhealthy when the heartbeat is stale, when the last `health_failed_runs` runs all
    failed, or when no run succeeded within `health_success_window_minutes`."""
    settings = settings_or_exit(read_only=True)
    store = open_read_only_store(settings)
    try:
        state = health_of(settings, store, datetime.now(UTC))
    finally:
        store.close()
    problems = state.problems
    if state.beat is not None:
        typer.echo(f"daemon {state.beat.daemon_id} {state.beat.state}, beat {state.beat_age}s ago")
    if state.last_run is not None:
        last = state.last_run
        reason = f": {last.error}" if last.error else ""
        typer.echo(
            f"last run {last.run_id} {last.status.value} at {last.started_at.isoformat()}{reason}"
        )
    typer.echo("healthy" if not problems else "unhealthy: " + "; ".join(problems))
    if check and problems:
        raise typer.Exit(1)


def runs_command(
    limit: Annotated[int, typer.Option(help="How many runs to show")] = 20,
) -> None:
    """Run history, newest first."""
    settings = settings_or_exit(read_only=True)
    store = open_read_only_store(settings)
    try:
        runs = store.runs.recent(settings.crm, limit=limit)
    finally:
        store.close()
    rows = [_run_row(r) for r in runs]
    typer.echo(table(rows, ["run", "mode", "status", "started (UTC)", "took", "calls", "error"]))


def _run_row(run: Run) -> list[str]:
    return [
        run.run_id[:8],
        run.mode.value,
        run.status.value,
        run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        _duration(run.started_at, run.finished_at),
        str(run.stats.get("api_calls", "")),
        (run.error or "")[:60],
    ]


def _duration(started: datetime, finished: datetime | None) -> str:
    if finished is None:
        return "-"
    return f"{(finished - started).total_seconds():.1f}s"


def parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
