"""`renewal-sync doctor`: is this org ready for the service? Says exactly what is missing.

It logs in, describes every object the mapping uses and runs the same check as
`mappings validate --against-crm`, then sorts what it found into what an admin fixes in
Setup: missing objects, missing fields, wrong types, fields the service cannot write, keys
not flagged External ID, missing picklist values. Exit 0 when the org is ready, 1 when
something is missing, 2 when the configuration itself is wrong.

`--fix` is a hook: a CRM whose API can create fields registers a fixer in `FIXERS` (issue 6
adds HubSpot property creation). Salesforce fields are deployed as metadata instead: the
message points at `salesforce/` and docs/salesforce-setup.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from mappings import Mapping, Problem, check_against_describe
from sync.cli.common import config_errors, settings_or_exit
from sync.cli.mappings import check_crm, describe_for
from sync.core.ports import CrmPort
from sync.service import connect, load_mapping
from sync.settings import Settings

MISSING_EXIT = 1

Fixer = Callable[[Settings, CrmPort, Mapping, list[Problem]], list[Problem]]
"""Creates what it can of `problems` in the CRM and returns the problems left."""

FIXERS: dict[str, Fixer] = {}
"""CRM name -> fixer for `doctor --fix`; HubSpot's property creation registers here."""

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Missing objects", ("object `",)),
    ("Missing fields", ("does not exist", "no longer exists")),
    ("Wrong field types", ("needs one of",)),
    ("Fields the service cannot write", ("read-only", "not updateable")),
    ("Keys not flagged External ID / Unique", ("external id",)),
    ("Missing picklist values", ("is not a value of picklist",)),
)
"""How a problem's message sorts it into what an admin does about it (first match wins)."""

SETUP_HINT = {
    "salesforce": (
        "Deploy the shipped custom fields: `sf project deploy start --source-dir "
        "salesforce/force-app` (every field is listed in docs/salesforce-setup.md)."
    ),
}


def doctor_command(
    crm: Annotated[
        str | None, typer.Option("--crm", help="salesforce | hubspot; the configured CRM if unset")
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Create what is missing, where the CRM's API allows it")
    ] = False,
) -> None:
    """Check the org through describe and list exactly what is missing (exit 1 if anything)."""
    check_crm(crm)
    settings = settings_or_exit({"crm": crm})
    with config_errors():
        mapping = load_mapping(settings)
    port = connect(settings)
    described = describe_for(mapping, port)
    problems = check_against_describe(mapping, described)
    typer.echo(
        f"renewal-sync doctor: {settings.crm}, mapping {mapping.source}, "
        f"{len(described)} object(s) described"
    )
    for line in stage_lines(mapping, port):
        typer.echo(line)
    if problems and fix:
        problems = _fix(settings, port, mapping, problems)
    if not problems:
        typer.echo("OK: every object, field, type, key and picklist value the mapping needs exists")
        return
    typer.echo(report(problems, settings.crm))
    raise typer.Exit(MISSING_EXIT)


def stage_lines(mapping: Mapping, port: CrmPort) -> list[str]:
    """Each pipeline of every object whose status field reads stage metadata, with what each
    stage means to the service (the mapping's `values` override the CRM's metadata)."""
    lines: list[str] = []
    for spec in mapping.read.values():
        for name, field in spec.fields.items():
            if not field.stage_metadata:
                continue
            overrides = dict(field.values or {})
            pipelines: dict[str, list[str]] = {}
            for stage in port.stages(spec.object):
                meaning = overrides.get(stage.stage_id, stage.status)
                mark = " (mapping)" if stage.stage_id in overrides else ""
                pipelines.setdefault(f"{stage.pipeline_label} [{stage.pipeline_id}]", []).append(
                    f"      {stage.stage_label} [{stage.stage_id}] -> {meaning}{mark}"
                )
            lines.append(f"Pipelines of {spec.object} (field {name}, by stage metadata):")
            for pipeline, stages in pipelines.items():
                lines.append(f"  {pipeline}")
                lines.extend(stages)
    return lines


def report(problems: list[Problem], crm: str) -> str:
    """Problems grouped by what to do about them; one line per thing to fix in the org,
    with every place the mapping uses it."""
    things = len(_merged(problems))
    lines = [f"{things} {'thing' if things == 1 else 'things'} missing or wrong in the {crm} org:"]
    for title, items in _sections(problems):
        lines.append(f"\n{title}:")
        for (message, hint), uses in _merged(items).items():
            where = ", ".join(_where(p) for p in uses)
            lines.append(f"  - {message} (mapped at {where}){f'; {hint}' if hint else ''}")
    setup = SETUP_HINT.get(crm)
    if setup:
        lines.append(f"\n{setup}")
    return "\n".join(lines)


def _merged(problems: list[Problem]) -> dict[tuple[str, str], list[Problem]]:
    """The same missing field used by a read and a write concept is one thing to fix."""
    merged: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        merged.setdefault((problem.message, problem.hint), []).append(problem)
    return merged


def _sections(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        title = next(
            (t for t, marks in SECTIONS if any(m in problem.message for m in marks)), "Other"
        )
        grouped.setdefault(title, []).append(problem)
    order = [t for t, _ in SECTIONS] + ["Other"]
    return [(t, grouped[t]) for t in order if t in grouped]


def _where(problem: Problem) -> str:
    line = f":{problem.line}" if problem.line is not None else ""
    return f"{problem.path} ({problem.file}{line})"


def _fix(
    settings: Settings, port: CrmPort, mapping: Mapping, problems: list[Problem]
) -> list[Problem]:
    if settings.crm == "hubspot" and "hubspot" not in FIXERS:
        from sync.cli.doctor_hubspot import fix_hubspot  # noqa: PLC0415 - HubSpot only

        FIXERS["hubspot"] = fix_hubspot
    fixer = FIXERS.get(settings.crm)
    if fixer is None:
        typer.echo(f"--fix cannot create fields in {settings.crm} through its API; see below.")
        return problems
    return fixer(settings, port, mapping, problems)
