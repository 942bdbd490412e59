"""`renewal-sync sandbox serve`: a Salesforce org or a HubSpot portal on 127.0.0.1, for day one.

The emulators are the `crm_sandbox` package, installed by the `sandbox` extra; this module
declares the command only and loads the extra when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from sync.cli.common import require_sandbox

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
    require_sandbox("sandbox serve")
    from sync.cli import sandbox_serve  # noqa: PLC0415 - the sandbox extra, only here

    sandbox_serve.serve(crm, port, accounts, seed, today, fault, daily_limit, tls_dir)
