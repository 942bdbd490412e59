"""Load a mapping file: parse with line numbers, migrate, check shape and meaning.

This is what start-up calls, before any API call: a mapping with any problem raises one
`MappingError` listing every problem with file, line, key path and a suggestion. The file is
re-read on each call, so a changed mapping takes effect at the next run without a restart.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from mappings.concepts import CRMS, CURRENT_VERSION, READ, REQUIRED_READ, REQUIRED_WRITE, WRITE
from mappings.migrations import MIGRATIONS
from mappings.problems import MappingError, Problem, did_you_mean, one_of
from mappings.reading import build_readers
from mappings.schema import Mapping, MappingSettings, ReadConcept, WriteConcept, model_keys
from mappings.structure import Found, parse_part
from mappings.validate import (
    check_read,
    check_write,
    missing_concepts,
    unknown_concepts,
)
from mappings.yamlsource import Source, nearest_line, parse


def load(path: str | Path) -> Mapping:
    """The mapping in `path`, validated; raises `MappingError` listing every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(
            [Problem(str(file), None, "(file)", f"cannot read: {exc.strerror}")]
        ) from exc
    return load_text(text, str(file))


def load_default(crm: str) -> Mapping:
    """The shipped default mapping for a standard Salesforce org or HubSpot portal."""
    if crm not in CRMS:
        raise MappingError(
            [Problem("(defaults)", None, "crm", f"unknown CRM `{crm}`", one_of(crm, CRMS))]
        )
    text = resources.files("mappings.defaults").joinpath(f"{crm}.yaml").read_text("utf-8")
    return load_text(text, f"mappings/defaults/{crm}.yaml")


def default_path(crm: str) -> Path:
    """Where the shipped default for `crm` lives (for `mappings validate` and the docs)."""
    return Path(str(resources.files("mappings.defaults").joinpath(f"{crm}.yaml")))


def load_text(text: str, file: str = "<mapping>") -> Mapping:
    """Parse, migrate and validate mapping `text`; `file` names it in messages."""
    source = parse(text, file)
    if source.problems and source.data is None:
        raise MappingError(source.problems)
    data, found = _migrated(source)
    mapping, more = _validated(data) if not found else (None, [])
    problems = source.problems + [_problem(source, *f) for f in found + more]
    if problems or mapping is None:
        raise MappingError(problems)
    return build_readers(mapping.locate(file, source.lines))


def _problem(source: Source, path: str, message: str, hint: str) -> Problem:
    return Problem(source.file, nearest_line(source.lines, path), path, message, hint)


def _migrated(source: Source) -> tuple[dict[str, Any], Found]:
    """The data at the current version (old files migrated), or the problem with `version`."""
    data = source.data
    if not isinstance(data, dict):
        return {}, [
            ("(file)", "a mapping file is a YAML mapping (key: value)", "see docs/mappings.md")
        ]
    version = data.get("version")
    if "version" not in data:
        typos = [(k, f"unknown key `{k}`", did_you_mean(k, _TOP)) for k in data if k not in _TOP]
        missing = ("version", "`version` is missing", f"add `version: {CURRENT_VERSION}`")
        return data, typos if any("`version`" in hint for _, _, hint in typos) else [missing]
    if not isinstance(version, int) or isinstance(version, bool):
        return data, [
            (
                "version",
                f"`version` must be a whole number, got `{version}`",
                f"add `version: {CURRENT_VERSION}`",
            )
        ]
    if version > CURRENT_VERSION:
        message = (
            f"version {version} is newer than this renewal-sync understands ({CURRENT_VERSION})"
        )
        return data, [("version", message, "upgrade renewal-sync")]
    while version < CURRENT_VERSION and version in MIGRATIONS:
        data, moves = MIGRATIONS[version](data)
        for new, old in moves.items():
            if old in source.lines:
                source.lines[new] = source.lines[old]
        version += 1
    if version != CURRENT_VERSION:
        return data, [
            ("version", f"no migration from version {version}", f"use version {CURRENT_VERSION}")
        ]
    return data, []


_TOP = model_keys(Mapping)


def _validated(data: dict[str, Any]) -> tuple[Mapping | None, Found]:
    """Check the top level, then each concept on its own, so all problems come out at once."""
    found: Found = [(k, f"unknown key `{k}`", did_you_mean(k, _TOP)) for k in data if k not in _TOP]
    crm = data.get("crm")
    if crm not in CRMS:
        found.append(("crm", f"unknown CRM `{crm}`", one_of(str(crm), CRMS)))
    read, read_found = _section(data, "read", str(crm))
    write, write_found = _section(data, "write", str(crm))
    settings, settings_found = parse_part(MappingSettings, data.get("settings") or {}, "settings")
    found += read_found + write_found + settings_found
    if found or settings is None:
        return None, found
    mapping = Mapping(
        version=CURRENT_VERSION, crm=str(crm), read=read, write=write, settings=settings
    )
    return mapping, []


def _section(data: dict[str, Any], section: str, crm: str) -> tuple[dict[str, Any], Found]:
    raw = data.get(section)
    if not isinstance(raw, dict):
        return {}, [(section, f"`{section}` must be a mapping of concepts", "see docs/mappings.md")]
    table, required = (READ, REQUIRED_READ) if section == "read" else (WRITE, REQUIRED_WRITE)
    found = unknown_concepts(section, raw, table) + missing_concepts(section, raw, required)
    parsed: dict[str, Any] = {}
    for name, spec in raw.items():
        if name in table:
            concept, shape = _concept(section, name, spec, crm)
            found += shape
            if concept is not None:
                parsed[name] = concept
    return parsed, found


def _concept(section: str, name: str, raw: Any, crm: str) -> tuple[Any, Found]:
    model = ReadConcept if section == "read" else WriteConcept
    concept, found = parse_part(model, raw, f"{section}.{name}")
    if isinstance(concept, ReadConcept):
        found += check_read(crm, name, concept)
    elif isinstance(concept, WriteConcept):
        found += check_write(crm, name, concept)
    return concept, found
