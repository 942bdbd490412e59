"""`renewal-sync demo`: the main job on its embedded default - the sandbox and SQLite.

Starts a Salesforce sandbox loaded with generated data, runs a full sync, runs it again,
and prints what a Salesforce user now sees and what each run cost in API calls. The second
run must write nothing: that is the product's promise, shown rather than claimed.
`--crm hubspot` does the same against a generated HubSpot portal (plain HTTP on loopback).

The sandboxes are the `crm_sandbox` package (the `sandbox` extra): this module only
declares the command; the work is in `demo_org`, imported once the extra is known to load.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sync.cli.common import require_sandbox


class DemoCrm(StrEnum):
    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"


def demo_command(
    *,
    accounts: Annotated[int, typer.Option(help="Generated accounts (about 4.4 orders each)")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 7,
    today: Annotated[str | None, typer.Option(help="The demo's today (YYYY-MM-DD)")] = None,
    state_dir: Annotated[
        Path, typer.Option(help="Where the demo's SQLite state file and certificate go")
    ] = Path(".renewal-sync/demo"),
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping file to sync with (the shipped default if unset)")
    ] = None,
    org_schema: Annotated[
        Path | None,
        typer.Option(
            help="Schema of an org whose fields differ, e.g. "
            "crm_sandbox/salesforce/schema_custom_org.yaml (the standard org if unset)"
        ),
    ] = None,
    crm: Annotated[
        DemoCrm, typer.Option(help="The CRM to emulate: a Salesforce org or a HubSpot portal")
    ] = DemoCrm.SALESFORCE,
) -> None:
    """Run the service against a generated Salesforce org (or HubSpot portal), twice, and
    show the result."""
    require_sandbox("demo")
    from sync.cli.demo_org import run_demo  # noqa: PLC0415 - the sandbox extra, only here

    run_demo(
        accounts=accounts,
        seed=seed,
        today=today,
        state_dir=state_dir,
        mapping=mapping,
        org_schema=org_schema,
        crm=crm.value,
    )
