"""Check a mapping against what an org or portal really has (`mappings validate --against-crm`).

Pure: the connectors turn Salesforce describe or HubSpot's properties API into the neutral
`Describe` (mappings/described.py); this module compares. Each problem names the mapping
file, line and key path, and suggests the closest existing field or value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mappings.coerce import TRANSFORMS
from mappings.concepts import READ, WRITE, Canonical, Kind, Policy
from mappings.described import Describe, FieldInfo, parent_through
from mappings.problems import Problem, did_you_mean
from mappings.schema import Mapping, PerFromField, field_names

_TEXTUAL = frozenset(
    {"string", "textarea", "email", "url", "phone", "html", "picklist", "enumeration"}
)
_NUMERIC = frozenset({"double", "int", "integer", "number", "currency", "percent"})
FITS: dict[Kind, frozenset[str]] = {
    Kind.ID: frozenset({"id", "reference", "string", "enumeration", "number"}),
    Kind.TEXT: _TEXTUAL | {"id", "reference", "multipicklist"},
    Kind.NUMBER: _NUMERIC,
    Kind.MONEY: _NUMERIC - {"percent"},
    Kind.RATE: _NUMERIC - {"percent"},
    Kind.DATE: frozenset({"date", "datetime"}),
    Kind.DATETIME: frozenset({"datetime", "date"}),
    Kind.BOOL: frozenset({"boolean", "bool"}),
    Kind.ENUM: _TEXTUAL | {"multipicklist", "boolean", "bool"},
}
"""Which CRM field types can hold each canonical kind (a value map lifts the type check)."""

PSEUDO: dict[str, frozenset[str]] = {"hubspot": frozenset({"id", "hs_object_id", "owners"})}
"""Names describe does not list as properties: HubSpot's record id and the owners API."""

_PICKLISTS = frozenset({"picklist", "multipicklist", "enumeration"})


@dataclass(frozen=True, slots=True)
class _Use:
    """One use of a CRM field by the mapping."""

    path: str
    obj: str
    field: str
    canonical: Canonical | None
    mapped: bool = False  # a value map decides the type
    policy: Policy | None = None  # set for written fields


def check_against_describe(mapping: Mapping, describe: Describe) -> list[Problem]:
    """Every mismatch between the mapping and the described org, with a suggestion."""
    problems: list[Problem] = []
    pseudo = PSEUDO.get(mapping.crm, frozenset())
    for use in _uses(mapping):
        if use.obj in pseudo or use.field in pseudo:
            continue
        found = _find(mapping, describe, use)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            problems += _fits(mapping, use, found)
    return problems + _keys(mapping, describe) + _picklists(mapping, describe)


def _uses(mapping: Mapping) -> Iterator[_Use]:
    yield from _read_uses(mapping)
    yield from _write_uses(mapping)


def _read_uses(mapping: Mapping) -> Iterator[_Use]:
    for name, concept in mapping.read.items():
        obj = concept.object
        for field, spec in concept.fields.items():
            path = f"read.{name}.fields.{field}"
            for crm in field_names(spec):
                canonical = _on_the_wire(READ[name][field], spec.transform)
                yield _Use(path, obj, crm, canonical, spec.values is not None)
            if isinstance(spec.per, PerFromField):
                yield _Use(f"{path}.per", obj, spec.per.field, None)
        for index, discount in enumerate(concept.discounts):
            number = Canonical(Kind.NUMBER)
            yield _Use(f"read.{name}.discounts[{index}]", obj, discount.field, number)


def _write_uses(mapping: Mapping) -> Iterator[_Use]:
    for name, concept in mapping.write.items():
        obj = concept.object
        for field, spec in concept.fields.items():
            if spec.field is not None:
                canonical = _on_the_wire(WRITE[name][field], spec.transform)
                policy = Policy(spec.policy or canonical.policy)
                path = f"write.{name}.fields.{field}"
                yield _Use(path, obj, spec.field, canonical, spec.values is not None, policy)
        for crm, constant in concept.constants.items():
            path = f"write.{name}.constants.{crm}"
            yield _Use(path, obj, crm, None, True, Policy(constant.policy))


def _on_the_wire(canonical: Canonical, transform: str | None) -> Canonical:
    """The kind the CRM field must hold: a transform may change it (`iso_months` writes a
    number of months as the text `P15M`)."""
    wire = TRANSFORMS[transform].wire if transform in TRANSFORMS else None
    return canonical if wire is None else Canonical(wire)


def _problem(mapping: Mapping, path: str, message: str, hint: str = "") -> Problem:
    return Problem(mapping.source, mapping.line_of(path), path, message, hint)


def _find(mapping: Mapping, describe: Describe, use: _Use) -> FieldInfo | Problem:
    """The described field, following one relationship hop ("Product2.ProductCode")."""
    fields = describe.get(use.obj)
    if fields is None:
        return _problem(
            mapping, use.path, f"object `{use.obj}` does not exist", did_you_mean(use.obj, describe)
        )
    relation, dot, name = use.field.partition(".")
    if not dot:
        info = fields.get(use.field)
        hint = did_you_mean(use.field, fields)
        return info or _problem(
            mapping, use.path, f"field `{use.field}` does not exist on {use.obj}", hint
        )
    lookup = parent_through(fields, relation)
    if lookup is None:
        return _problem(mapping, use.path, f"relationship `{relation}` does not exist on {use.obj}")
    parent = lookup.reference_to[0]
    return _find(
        mapping, describe, _Use(use.path, parent, name, use.canonical, use.mapped, use.policy)
    )


def _fits(mapping: Mapping, use: _Use, info: FieldInfo) -> list[Problem]:
    problems: list[Problem] = []
    kind = use.canonical.kind if use.canonical else None
    if kind is not None and not use.mapped and info.type not in FITS[kind]:
        fits = ", ".join(sorted(FITS[kind]))
        message = f"`{use.field}` is a {info.type} field; {kind.value} needs one of {fits}"
        problems.append(_problem(mapping, use.path, message, "map another field, or add `values:`"))
    if use.policy is not None:
        problems += _writable(mapping, use, info)
    return problems


def _writable(mapping: Mapping, use: _Use, info: FieldInfo) -> list[Problem]:
    """The service must be able to write what it writes: create and, unless if_blank, update."""
    if not info.createable and not info.updateable:
        return [
            _problem(
                mapping,
                use.path,
                f"`{use.field}` is read-only (formula or system field)",
                "map a writable field",
            )
        ]
    if use.policy is not Policy.IF_BLANK and not info.updateable:
        message = f"`{use.field}` is not updateable, but policy {use.policy} updates it"
        return [
            _problem(
                mapping, use.path, message, "use `policy: if_blank` to write it at creation only"
            )
        ]
    return []


def _keys(mapping: Mapping, describe: Describe) -> list[Problem]:
    """A key field must be an external id or unique, or upserts could create duplicates."""
    found = (_key_problem(mapping, describe, name) for name in mapping.write)
    return [p for p in found if p is not None]


def _key_problem(mapping: Mapping, describe: Describe, name: str) -> Problem | None:
    concept = mapping.write[name]
    key, fields = concept.key_field, describe.get(concept.object)
    if key is None or fields is None or key in PSEUDO.get(mapping.crm, ()):
        return None
    path = f"write.{name}.key_field"
    info = fields.get(key)
    if info is None:
        message = f"field `{key}` does not exist on {concept.object}"
        return _problem(mapping, path, message, did_you_mean(key, fields))
    if info.type == "id" or info.external_id or info.unique:
        return None
    message = f"`{key}` is not flagged as an external id (or unique)"
    return _problem(mapping, path, message, "mark it External ID and Unique in the CRM")


def _picklists(mapping: Mapping, describe: Describe) -> list[Problem]:
    """Mapped picklist values must exist: read keys, written values and constants.

    A read spec over several fields accepts a value that exists in any of them.
    """
    problems: list[Problem] = []
    for path, obj, crm_fields, values in _mapped_values(mapping):
        infos = [(describe.get(obj) or {}).get(f) for f in crm_fields]
        lists = [
            i.picklist_values for i in infos if i and i.type in _PICKLISTS and i.picklist_values
        ]
        if not lists:
            continue
        allowed = [v for values_of in lists for v in values_of]
        where = f"{obj}.{' / '.join(crm_fields)}"
        for value in values:
            if value not in allowed:
                message = f"`{value}` is not a value of picklist {where}"
                problems.append(_problem(mapping, path, message, did_you_mean(value, allowed)))
    return problems


_Values = tuple[str, str, tuple[str, ...], list[str]]


def _mapped_values(mapping: Mapping) -> Iterator[_Values]:
    for name, concept in mapping.read.items():
        for field, spec in concept.fields.items():
            if spec.values:
                path = f"read.{name}.fields.{field}.values"
                yield path, concept.object, field_names(spec), list(spec.values)
    for name, wconcept in mapping.write.items():
        for field, wspec in wconcept.fields.items():
            if wspec.field and wspec.values:
                values = [str(v) for v in wspec.values.values()]
                path = f"write.{name}.fields.{field}.values"
                yield path, wconcept.object, (wspec.field,), values
        for crm, constant in wconcept.constants.items():
            path = f"write.{name}.constants.{crm}"
            yield path, wconcept.object, (crm,), [str(constant.value)]
