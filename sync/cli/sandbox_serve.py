"""What `renewal-sync sandbox serve` does (sync/cli/sandbox.py), once the extra is known to load."""

from __future__ import annotations

import shlex
import signal
import sys
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import typer

from crm_sandbox.factory import build_sandbox, opportunities_for
from crm_sandbox.faults import FaultRule, parse_fault
from crm_sandbox.server import serve_in_thread


def serve(  # noqa: PLR0917 - the options of `renewal-sync sandbox serve`, one each
    crm: Literal["salesforce", "hubspot"],
    port: int,
    accounts: int,
    seed: int,
    today: str | None,
    fault: list[str] | None,
    daily_limit: int | None,
    tls_dir: Path | None,
) -> None:
    """Serve until Ctrl-C; first print `export` lines that point the service and a client at it."""
    rules = _parse_faults(fault or [])
    data_day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    sandbox = build_sandbox(
        crm,
        opportunities=opportunities_for(accounts),
        seed=seed,
        today=data_day,
        faults=rules,
        daily_limit=daily_limit,
    )
    certs = None
    if crm == "salesforce":  # simple-salesforce only builds https:// URLs
        certs = tls_dir or Path(tempfile.mkdtemp(prefix="renewal-sync-sandbox-"))
    served = serve_in_thread(sandbox.wsgi_app, port=port, tls_dir=certs)
    exports = sandbox.env_exports(served.url, str(served.ca_bundle) if served.ca_bundle else None)
    for name, value in {"RENEWAL_SYNC_CRM": crm, **exports}.items():
        typer.echo(f"export {name}={shlex.quote(value)}")
    print(
        f"# {crm} sandbox serving at {served.url}; calls: {served.url}/__sandbox__/calls",
        file=sys.stderr,
    )
    _wait_for_signal()
    served.stop()


def _parse_faults(specs: list[str]) -> tuple[FaultRule, ...]:
    try:
        return tuple(parse_fault(spec) for spec in specs)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--fault") from None


def _wait_for_signal() -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
