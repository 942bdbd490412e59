"""Neutral describes built from the sandboxes' schema files, so the shipped defaults are
checked against the very schemas the sandbox orgs serve (a renamed field fails a test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mappings.described import Describe, FieldInfo

ROOT = Path(__file__).resolve().parents[2] / "crm_sandbox"
SF_SYSTEM = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp")


def salesforce_describe() -> Describe:
    schema = yaml.safe_load((ROOT / "salesforce" / "schema.yaml").read_text())
    result: dict[str, dict[str, FieldInfo]] = {}
    for name, obj in schema["objects"].items():
        fields = {f: _sf_field(spec) for f, spec in obj["fields"].items()}
        fields["Id"] = FieldInfo("id", updateable=False, createable=False)
        for system in SF_SYSTEM[1:]:
            kind = "boolean" if system == "IsDeleted" else "datetime"
            kind = "reference" if system.endswith("ById") else kind
            fields[system] = FieldInfo(kind, updateable=False, createable=False)
        result[name] = fields
    return result


def _sf_field(spec: dict[str, Any]) -> FieldInfo:
    readonly = bool(spec.get("readonly"))
    refs = tuple(spec.get("referenceTo", ()))
    values = tuple(str(v).rstrip("*") for v in spec.get("values", ()))
    return FieldInfo(
        type=spec["type"],
        updateable=not readonly and not spec.get("createonly"),
        createable=not readonly,
        external_id=bool(spec.get("externalId")),
        unique=bool(spec.get("unique")),
        picklist_values=values,
        relationship=spec.get("relationshipName"),
        reference_to=refs,
    )


def hubspot_describe() -> Describe:
    schema = yaml.safe_load((ROOT / "hubspot" / "schema.yaml").read_text())
    result: dict[str, dict[str, FieldInfo]] = {}
    for name, obj in schema["objects"].items():
        result[name] = {p: _hs_property(spec) for p, spec in obj["properties"].items()}
        for default in obj.get("defaults", ()):
            result[name].setdefault(default, FieldInfo("datetime", updateable=False))
    return result


def _hs_property(spec: str | dict[str, Any]) -> FieldInfo:
    if isinstance(spec, str):
        return FieldInfo(spec)
    read_only = bool(spec.get("read_only"))
    return FieldInfo(
        type=spec["type"],
        updateable=not read_only,
        createable=not read_only,
        unique=bool(spec.get("unique")),
        picklist_values=tuple(str(v) for v in spec.get("options", ())),
    )
