"""Entry point of the `renewal-sync` console script.

Each command group lives in its own module and is registered here, so this file stays a
table of contents: one `add_typer` line per group.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="renewal-sync",
    help="Keeps one correct renewal per live contract in Salesforce and HubSpot.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of a start-up failure too")
    ] = False,
) -> None:
    """Keeps one correct renewal per live contract in Salesforce and HubSpot."""
    from sync.cli.common import DEBUG  # noqa: PLC0415

    DEBUG["on"] = debug


def _register() -> None:
    """Attach every command group (one line each, keep sorted)."""
    # -- command groups (add one import + one add_typer line per group) --
    from sync.cli import rules  # noqa: PLC0415

    app.add_typer(rules.app, name="rules")
    from sync.cli import sandbox  # noqa: PLC0415

    app.add_typer(sandbox.app, name="sandbox")
    from sync.cli import ops  # noqa: PLC0415

    app.command("sync")(ops.sync_command)
    app.command("run")(ops.run_command)
    app.command("health")(ops.health_command)
    app.command("runs")(ops.runs_command)
    from sync.cli import reconcile  # noqa: PLC0415

    app.command("reconcile")(reconcile.reconcile_command)
    from sync.cli import kpis  # noqa: PLC0415

    app.command("report")(kpis.report_command)
    from sync.cli import errors  # noqa: PLC0415

    app.add_typer(errors.app, name="errors")
    from sync.cli import demo  # noqa: PLC0415

    app.command("demo")(demo.demo_command)
    from sync.cli import doctor, mappings  # noqa: PLC0415

    app.add_typer(mappings.app, name="mappings")
    app.command("doctor")(doctor.doctor_command)
    # -- end of command groups --


_register()

if __name__ == "__main__":  # pragma: no cover
    app()
