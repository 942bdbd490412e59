"""The custom fields a mapping needs, with the type each must have: what `doctor --fix`
creates in a CRM whose API can create fields (HubSpot's properties API).

Types follow the canonical kind of each mapped field (a money rate is a number, a date a date
property); an enumeration gets the CRM values the mapping's value map names; a write
concept's key field must be unique, because upserts are keyed on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mappings.concepts import READ, WRITE, Kind
from mappings.schema import Mapping, field_names

_TYPES: dict[Kind, tuple[str, str]] = {
    Kind.ID: ("string", "text"),
    Kind.TEXT: ("string", "text"),
    Kind.NUMBER: ("number", "number"),
    Kind.MONEY: ("number", "number"),
    Kind.RATE: ("number", "number"),
    Kind.DATE: ("date", "date"),
    Kind.DATETIME: ("datetime", "date"),
    Kind.BOOL: ("bool", "booleancheckbox"),
    Kind.ENUM: ("enumeration", "select"),
}


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One field to exist on one object: (HubSpot) type, field type, options, uniqueness."""

    object: str
    name: str
    type: str
    field_type: str
    options: tuple[str, ...] = ()
    unique: bool = False


def required_properties(mapping: Mapping) -> list[PropertySpec]:
    """Every plain field the mapping reads or writes, once per (object, name)."""
    found: dict[tuple[str, str], PropertySpec] = {}
    for concept, spec in mapping.read.items():
        for name, field in spec.fields.items():
            if name == "id":
                continue  # the record id itself, not a field anyone creates
            canonical = READ[concept][name]
            options = tuple(str(k) for k in (field.values or {})) or canonical.choices
            for crm in field_names(field):
                _add(found, spec.object, crm, canonical.kind, options)
    for concept, wspec in mapping.write.items():
        for name, wfield in wspec.fields.items():
            if wfield.field:
                canonical = WRITE[concept][name]
                options = tuple(str(v) for v in (wfield.values or {}).values()) or canonical.choices
                _add(found, wspec.object, wfield.field, canonical.kind, options)
        if wspec.key_field:
            key = (wspec.object, wspec.key_field)
            found[key] = PropertySpec(wspec.object, wspec.key_field, "string", "text", (), True)
    return list(found.values())


def _add(
    found: dict[tuple[str, str], PropertySpec],
    obj: str,
    crm: str,
    kind: Kind,
    options: tuple[str, ...],
) -> None:
    if "." in crm or crm.startswith("@"):
        return  # a parent's field or an association: not a property of this object
    known = found.get((obj, crm))
    merged = tuple(dict.fromkeys((*(known.options if known else ()), *options)))
    if kind is Kind.ENUM and not merged:
        kind = Kind.TEXT  # an enumeration whose values the mapping does not list: free text
    type_, field_type = _TYPES[kind]
    found[(obj, crm)] = PropertySpec(
        obj, crm, type_, field_type, merged if kind is Kind.ENUM else ()
    )
