"""What a well-shaped mapping must also mean: checked against the concept tables.

Runs after the shape check, concept by concept, and returns problems as (path, message,
hint); the loader adds file and line. Nothing here talks to a CRM: whether the named fields
exist in an org is `describe_check`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contract_rules import DiscountKind
from mappings.coerce import TRANSFORMS
from mappings.concepts import (
    ASSOCIATION_TYPES,
    DISCOUNT_CONCEPT,
    READ,
    WRITE,
    Canonical,
    Kind,
    Policy,
    Unit,
)
from mappings.problems import did_you_mean, one_of
from mappings.schema import PerFromField, ReadConcept, ReadField, WriteConcept, WriteField

Found = list[tuple[str, str, str]]

_UNITS = [u.value for u in Unit]
_POLICIES = [p.value for p in Policy]
_DISCOUNT_AS = ["percent", "amount"]
_KEY_EXAMPLES = {
    **{(c, "salesforce"): "Renewal_Sync_Key__c (an external id)" for c in WRITE},
    **{(c, "hubspot"): "renewal_sync_key (a unique property)" for c in WRITE},
    ("account_rollup", "salesforce"): "Id (the account itself)",
    ("account_rollup", "hubspot"): "hs_object_id (the company itself)",
    ("recast_credit", "salesforce"): "Id (the recast opportunity itself)",
    ("recast_credit", "hubspot"): "hs_object_id (the recast deal itself)",
}
_MAPPABLE = frozenset({Kind.ID, Kind.TEXT, Kind.ENUM, Kind.BOOL})


def check_read(crm: str, name: str, concept: ReadConcept) -> Found:
    """Every problem of one read concept: field names, sources, value maps, units."""
    path = f"read.{name}"
    table = READ[name]
    found = _names(path, name, concept.fields, table)
    for field, spec in concept.fields.items():
        if field in table:
            at = _At(crm, name, concept.object, f"{path}.fields.{field}")
            found += _read_field(at, field, spec, table[field])
    found += _discounts(path, name, concept)
    return found


def check_write(crm: str, name: str, concept: WriteConcept) -> Found:
    """Every problem of one write concept: key field, names, policies, maps, duplicates."""
    path = f"write.{name}"
    table = WRITE[name]
    found: Found = []
    if not concept.key_field:
        example = _KEY_EXAMPLES.get((name, crm), "an external-id field")
        hint = f"name the field that keys {name} records, e.g. {example}"
        found.append((path, "missing `key_field`", hint))
    found += _names(path, name, concept.fields, table)
    for field, spec in concept.fields.items():
        if field in table:
            at = _At(crm, name, concept.object, f"{path}.fields.{field}")
            found += _write_field(at, field, spec, table[field])
    return found + _duplicates(path, concept)


def missing_concepts(section: str, present: Iterable[str], required: Iterable[str]) -> Found:
    """Required concepts the file does not map."""
    have = set(present)
    return [
        (section, f"missing required concept `{c}`", f"add `{section}.{c}` (see docs/mappings.md)")
        for c in required
        if c not in have
    ]


def unknown_concepts(section: str, names: Iterable[str], table: Iterable[str]) -> Found:
    """Concept names that are not in the table, with the closest valid one."""
    valid = list(table)
    return [
        (f"{section}.{n}", f"unknown {section} concept `{n}`", did_you_mean(n, valid))
        for n in names
        if n not in valid
    ]


def _names(path: str, concept: str, fields: Iterable[str], table: dict[str, Canonical]) -> Found:
    found: Found = [
        (f"{path}.fields.{f}", f"unknown field `{f}` for concept {concept}", did_you_mean(f, table))
        for f in fields
        if f not in table
    ]
    have = set(fields)
    for field, canonical in table.items():
        if canonical.required and field not in have:
            need = f" ({canonical.need})" if canonical.need else ""
            hint = "map it to the CRM field that holds it"
            found.append((f"{path}.fields", f"missing required field `{field}`{need}", hint))
    return found


@dataclass(frozen=True, slots=True)
class _At:
    """Where a field spec sits: the file's CRM, the concept, its CRM object, the key path."""

    crm: str
    concept: str
    obj: str
    path: str


def _read_field(at: _At, name: str, spec: ReadField, canonical: Canonical) -> Found:
    path = at.path
    found = _source(at.crm, path, spec.field, spec.association, spec.value)
    found += _targets(path, f"{at.concept} {name}", canonical, spec.values, spec.default)
    found += _per(path, name, canonical, spec.per)
    money = canonical.kind in (Kind.MONEY, Kind.RATE)
    if spec.per_unit and (at.concept != "line" or not money):
        found.append((f"{path}.per_unit", "`per_unit` only applies to money fields of a line", ""))
    return found + _transform(path, spec.transform)


def _write_field(at: _At, name: str, spec: WriteField, canonical: Canonical) -> Found:
    path = at.path
    found = _source(at.crm, path, spec.field, spec.association, spec.value)
    found += _association_type(at, spec)
    found += _write_values(path, f"{at.concept} {name}", canonical, spec.values)
    found += _per(path, name, canonical, spec.per)
    if spec.per_unit and (at.concept != "renewal_line" or canonical.kind is not Kind.RATE):
        found.append((f"{path}.per_unit", "`per_unit` only applies to money fields of a line", ""))
    if spec.policy is not None and spec.policy not in _POLICIES:
        hint = one_of(spec.policy, _POLICIES)
        found.append((f"{path}.policy", f"unknown policy `{spec.policy}`", hint))
    return found + _transform(path, spec.transform)


def _association_type(at: _At, spec: WriteField) -> Found:
    """An association needs a type id: given, or HubSpot's default for the object pair."""
    if spec.type_id is not None and spec.association is None:
        return [(f"{at.path}.type_id", "`type_id` only applies with `association`", "")]
    known = (at.obj, spec.association) in ASSOCIATION_TYPES
    if spec.association is None or spec.type_id is not None or known:
        return []
    message = f"no default association type from {at.obj} to {spec.association}"
    return [(at.path, message, "add `type_id:` (the HubSpot association type id)")]


def _source(crm: str, path: str, field: object, association: str | None, value: object) -> Found:
    """Exactly one of `field`, `association`, `value`; associations only on HubSpot."""
    count = sum(x is not None for x in (field, association, value))
    if count != 1:
        message = "give exactly one of `field`, `association` or `value`"
        return [(path, message, "`field` names the CRM field; `value` is a constant")]
    if association is not None and crm != "hubspot":
        return [
            (
                f"{path}.association",
                "associations are HubSpot only",
                "use `field:` (a lookup field)",
            )
        ]
    return []


def _targets(
    path: str, name: str, canonical: Canonical, values: Mapping[str, object] | None, default: object
) -> Found:
    """Read value maps point CRM values at canonical values that exist."""
    if values is None and default is None:
        return []
    if canonical.kind not in _MAPPABLE:
        return [
            (
                path,
                f"`{name}` is a {canonical.kind.value} field; it takes no `values` or `default`",
                "",
            )
        ]
    found: Found = []
    for crm_value, target in (values or {}).items():
        found += _target(f"{path}.values.{crm_value}", name, canonical, target)
    if default is not None:
        found += _target(f"{path}.default", name, canonical, default)
    return found


def _target(path: str, name: str, canonical: Canonical, target: object) -> Found:
    if canonical.kind is Kind.BOOL and not isinstance(target, bool):
        return [(path, f"`{target}` is not true or false", "map onto true or false")]
    if canonical.kind is Kind.ENUM and str(target) not in canonical.choices:
        message = f"`{target}` is not a valid {name}"
        return [(path, message, one_of(str(target), canonical.choices))]
    return []


def _write_values(
    path: str, name: str, canonical: Canonical, values: Mapping[str, object] | None
) -> Found:
    """Write value maps are keyed by canonical values that exist."""
    if values is None:
        return []
    if canonical.kind not in _MAPPABLE:
        return [(path, f"`{name}` is a {canonical.kind.value} field; it takes no `values`", "")]
    choices = canonical.choices or (("true", "false") if canonical.kind is Kind.BOOL else ())
    return [
        (f"{path}.values.{key}", f"`{key}` is not a valid {name}", one_of(key, choices))
        for key in values
        if choices and key not in choices
    ]


def _per(path: str, name: str, canonical: Canonical, per: str | PerFromField | None) -> Found:
    if per is None:
        return []
    if canonical.kind is not Kind.RATE:
        return [(f"{path}.per", f"`per` only applies to recurring money; `{name}` is not", "")]
    if isinstance(per, PerFromField):
        units = [*per.values.values(), per.default]
        return [
            (f"{path}.per", f"unknown unit `{u}`", one_of(u, _UNITS))
            for u in units
            if u not in _UNITS
        ]
    return [] if per in _UNITS else [(f"{path}.per", f"unknown unit `{per}`", one_of(per, _UNITS))]


def _transform(path: str, transform: str | None) -> Found:
    if transform is None or transform in TRANSFORMS:
        return []
    return [
        (f"{path}.transform", f"unknown transform `{transform}`", one_of(transform, TRANSFORMS))
    ]


def _discounts(path: str, concept: str, spec: ReadConcept) -> Found:
    if spec.discounts and concept != DISCOUNT_CONCEPT:
        return [(f"{path}.discounts", "`discounts` only apply to the line concept", "")]
    found: Found = []
    kinds = [k.value for k in DiscountKind]
    for index, discount in enumerate(spec.discounts):
        here = f"{path}.discounts[{index}]"
        if discount.as_ not in _DISCOUNT_AS:
            found.append(
                (
                    f"{here}.as",
                    f"unknown discount form `{discount.as_}`",
                    one_of(discount.as_, _DISCOUNT_AS),
                )
            )
        if discount.kind not in kinds:
            found.append(
                (
                    f"{here}.kind",
                    f"unknown discount kind `{discount.kind}`",
                    one_of(discount.kind, kinds),
                )
            )
        found += _discount_units(here, discount.as_, discount.kind, discount.per, discount.per_unit)
    return found


def _discount_units(path: str, as_: str, kind: str, per: str | None, per_unit: bool) -> Found:
    found: Found = []
    if per is not None and (as_, kind) != ("amount", "recurring"):
        found.append((f"{path}.per", "`per` only applies to recurring amount discounts", ""))
    elif per is not None and per not in _UNITS:
        found.append((f"{path}.per", f"unknown unit `{per}`", one_of(per, _UNITS)))
    if per_unit and as_ != "amount":
        found.append((f"{path}.per_unit", "`per_unit` only applies to amount discounts", ""))
    return found


def _duplicates(path: str, concept: WriteConcept) -> Found:
    """Each CRM field is written by one canonical field (or constant), never two."""
    owner: dict[str, str] = {}
    if concept.key_field:
        owner[concept.key_field] = "`key_field`"
    found: Found = []
    writers = [(f, s.field, f"{path}.fields.{f}") for f, s in concept.fields.items()]
    writers += [(f"constant {f}", f, f"{path}.constants.{f}") for f in concept.constants]
    for name, crm_field, here in writers:
        if crm_field is None:
            continue
        if crm_field in owner:
            message = f"CRM field `{crm_field}` is also written by {owner[crm_field]}"
            found.append(
                (here, message, "each CRM field can be written by one canonical field only")
            )
        else:
            owner[crm_field] = f"`{name}`"
    return found
