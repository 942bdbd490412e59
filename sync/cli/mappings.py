"""`renewal-sync mappings validate|preview`: check a mapping file, see what it would change.

`validate` needs no credentials: it reads the file (or the configured / shipped one) and lists
every problem as `file:line: key.path: message; hint`. With `--against-crm` it logs in and
compares the mapping with describe: fields exist, types fit, written fields are updateable,
keys are external ids, mapped picklist values exist. `preview` is a dry run of the next sync
under a new mapping: nothing is written to the CRM, and nothing a later real run relies on
(what was written, first-seen dates, errors) changes in the state store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from mappings import (
    Describe,
    Mapping,
    MappingError,
    Problem,
    check_against_describe,
    load,
    load_default,
)
from mappings.concepts import CRMS
from mappings.described import parent_through
from mappings.problems import one_of
from sync.cli.common import CONFIG_EXIT, config_errors, settings_or_exit
from sync.cli.report import print_dry_run
from sync.core.ports import CrmPort
from sync.service import connect, open_service
from sync.state import RunStatus

app = typer.Typer(
    help="Check mapping files and preview what a changed mapping would do.",
    no_args_is_help=True,
)

CrmOption = Annotated[
    str | None,
    typer.Option(
        "--crm",
        help="salesforce | hubspot: which CRM's default to use (and to check against)",
    ),
]
_MAPPING_ENV = "RENEWAL_SYNC_MAPPING_FILE"
_CRM_ENV = "RENEWAL_SYNC_CRM"


@app.command("validate")
def validate_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="Mapping file; the configured one or the shipped default if unset"),
    ] = None,
    crm: CrmOption = None,
    against_crm: Annotated[
        bool,
        typer.Option("--against-crm", help="Also check fields, types and picklists via describe"),
    ] = False,
) -> None:
    """Report every problem of a mapping file (exit 2), or one OK line (exit 0)."""
    check_crm(crm)
    try:
        mapping = _load(file, crm)
    except MappingError as error:
        files = ", ".join(sorted({p.file for p in error.problems}))
        _print_problems(error.problems, f"in mapping {files}")
        raise typer.Exit(CONFIG_EXIT) from None
    path = mapping.source
    if crm is not None and crm != mapping.crm:
        typer.echo(f"{path}: the file maps crm `{mapping.crm}`, not `{crm}`")
        raise typer.Exit(CONFIG_EXIT)
    summary = _summary(mapping)
    if against_crm:
        settings = settings_or_exit({"crm": mapping.crm})
        problems = check_against_describe(mapping, describe_for(mapping, connect(settings)))
        if problems:
            _print_problems(problems, f"in mapping {path} against the {mapping.crm} org")
            raise typer.Exit(CONFIG_EXIT)
        summary += f"; matches the {mapping.crm} org (describe)"
    typer.echo(f"{path}: OK ({summary})")


@app.command("preview")
def preview_command(
    new_file: Annotated[Path, typer.Argument(help="The changed mapping file to preview")],
    today: Annotated[
        str | None, typer.Option(help="Evaluate as of this day (YYYY-MM-DD); UTC today by default")
    ] = None,
    examples: Annotated[
        int, typer.Option(help="Records listed per kind of change (0 lists every one)")
    ] = 10,
) -> None:
    """What the next run would change in the CRM under NEW_FILE; writes nothing."""
    settings = settings_or_exit({"today": today, "mapping_file": new_file})
    with config_errors():
        mapping = load(new_file)
    typer.echo(f"Preview of {new_file} against the {mapping.crm} org (a dry run):")
    service = open_service(settings)
    try:
        result = service.run_once(dry_run=True, mapping=mapping)
    finally:
        service.close()
    print_dry_run(result, examples=examples)
    if result.status is RunStatus.FAILED:
        raise typer.Exit(1)


def describe_for(mapping: Mapping, port: CrmPort) -> Describe:
    """Describe every object the mapping uses, and the parents its dotted fields reach
    ("Product2.Brick_Kind__c" on a line needs Product2), in the shape the check reads."""
    objects = _objects(mapping)
    described = {name: info.fields for name, info in port.describe(objects).items()}
    parents = sorted(_parents(mapping, described) - set(described))
    if parents:
        described |= {name: info.fields for name, info in port.describe(parents).items()}
    return described


def _objects(mapping: Mapping) -> list[str]:
    names = [c.object for c in mapping.read.values()] + [c.object for c in mapping.write.values()]
    return list(dict.fromkeys(names))


def _parents(mapping: Mapping, described: Describe) -> set[str]:
    """Objects reached through a relationship (`Relation.Field`) from a described object."""
    found: set[str] = set()
    for concept in mapping.read.values():
        fields = described.get(concept.object, {})
        for spec in concept.fields.values():
            names = spec.field if isinstance(spec.field, list) else [spec.field or ""]
            for relation in (n.partition(".")[0] for n in names if "." in n):
                lookup = parent_through(fields, relation)
                found |= set(lookup.reference_to) if lookup is not None else set()
    return found


def check_crm(crm: str | None) -> None:
    """A `--crm` value must name a CRM renewal-sync knows (exit 2 otherwise)."""
    if crm is not None and crm not in CRMS:
        typer.echo(f"unknown CRM `{crm}`; {one_of(crm, CRMS)}")
        raise typer.Exit(CONFIG_EXIT)


def _load(file: Path | None, crm: str | None) -> Mapping:
    """FILE, else RENEWAL_SYNC_MAPPING_FILE, else the shipped default for the CRM.

    Read from the environment directly, so offline validation needs no CRM credentials.
    """
    configured = os.environ.get(_MAPPING_ENV)
    if file is None and configured and crm is None:
        file = Path(configured)
    if file is not None:
        return load(file)
    return load_default(crm or os.environ.get(_CRM_ENV) or "salesforce")


def _print_problems(problems: tuple[Problem, ...] | list[Problem], where: str) -> None:
    count = len(problems)
    typer.echo(f"{count} {'problem' if count == 1 else 'problems'} {where}:")
    for problem in problems:
        typer.echo(f"  {problem}")


def _summary(mapping: Mapping) -> str:
    fields = sum(len(c.fields) for c in mapping.read.values())
    fields += sum(len(c.fields) + len(c.constants) for c in mapping.write.values())
    return (
        f"{mapping.crm}, version {mapping.version}, {len(mapping.read)} read and "
        f"{len(mapping.write)} write concepts, {fields} fields"
    )
