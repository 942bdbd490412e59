"""`renewal-sync sandbox serve`: a Salesforce org or a HubSpot portal on 127.0.0.1, for day one."""

from __future__ import annotations

import shlex
import signal
import sys
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from sync.sandbox.factory import build_sandbox, opportunities_for
from sync.sandbox.faults import FaultRule, parse_fault
from sync.sandbox.server import serve_in_thread

app = typer.Typer(help="Run a CRM sandbox (a stateful emulator) on loopback.", no_args_is_help=True)


@app.command("serve")
def serve(  # noqa: PLR0917 - typer maps each parameter to one option
    crm: Annotated[Literal["salesforce", "hubspot"], typer.Option(help="Which CRM to emulate")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port)")] = 0,
    accounts: Annotated[int, typer.Option(help="Generated accounts (about 4.4 orders each)")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 7,
    today: Annotated[
        str | None, typer.Option(help="The data's 'today' (YYYY-MM-DD); the UTC date by default")
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="Inject a fault, e.g. 'http_status:status=503,share=0.1' (repeatable)"),
    ] = None,
    daily_limit: Annotated[int | None, typer.Option(help="Daily API allowance")] = None,
    tls_dir: Annotated[
        Path | None, typer.Option(help="Where to write the loopback certificate (Salesforce)")
    ] = None,
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
