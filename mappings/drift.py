"""Which CRM fields each concept needs, and what to skip when one disappears (schema drift).

The connectors ask `fields_for` what to select, so a field the mapping does not name is never
read. When the org loses a mapped field mid-life (INVALID_FIELD, PROPERTY_DOESNT_EXIST), the
pipeline asks `plan_drift` what that breaks: an optional field is dropped and the run goes on;
a field a concept cannot be trusted without skips that concept and everything that depends on
it (`DEPENDS_ON`), and the admin gets one message naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from mappings.concepts import DEPENDS_ON, READ, WRITE
from mappings.schema import Mapping, PerFromField, ReadConcept, WriteConcept, field_names

_C = TypeVar("_C", ReadConcept, WriteConcept)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One use of a CRM field: by which concept and canonical field, and how much it matters."""

    direction: str  # read | write
    concept: str
    canonical_field: str
    essential: bool


@dataclass(frozen=True, slots=True)
class DriftPlan:
    """What a set of missing fields breaks: concepts to skip, fields to drop, and why."""

    skipped: dict[str, str]  # concept -> reason
    dropped: dict[str, tuple[str, ...]]  # concept -> canonical fields left out
    messages: tuple[str, ...]

    def without(self, mapping: Mapping) -> Mapping:
        """`mapping` minus the dropped fields, so the next query does not ask for them."""
        read = {n: _drop(c, self.dropped.get(n, ())) for n, c in mapping.read.items()}
        write = {n: _drop(c, self.dropped.get(n, ())) for n, c in mapping.write.items()}
        copy = mapping.model_copy(update={"read": read, "write": write})
        return copy.locate(mapping.source, mapping.lines)


def fields_for(mapping: Mapping, concept: str) -> tuple[str, ...]:
    """The CRM fields to read for a read concept, in mapping order, without duplicates."""
    spec = mapping.read[concept]
    names: list[str] = []
    for field in spec.fields.values():
        names += field_names(field)
        if isinstance(field.per, PerFromField):
            names.append(field.per.field)
    names += [d.field for d in spec.discounts]
    return tuple(dict.fromkeys(names))


def associations_for(mapping: Mapping, concept: str) -> tuple[str, ...]:
    """The HubSpot associations to read with a read concept (e.g. `deals` for lines)."""
    found = [f.association for f in mapping.read[concept].fields.values() if f.association]
    return tuple(dict.fromkeys(found))


def dependencies(mapping: Mapping) -> dict[tuple[str, str], list[Dependency]]:
    """(CRM object, CRM field) -> every use of it by the mapping."""
    uses: dict[tuple[str, str], list[Dependency]] = {}
    for name, concept in mapping.read.items():
        for field, spec in concept.fields.items():
            crm = [*field_names(spec)]
            crm += [spec.per.field] if isinstance(spec.per, PerFromField) else []
            for crm_field in crm:
                use = Dependency("read", name, field, READ[name][field].essential)
                uses.setdefault((concept.object, crm_field), []).append(use)
        for discount in concept.discounts:
            use = Dependency("read", name, "discounts", True)
            uses.setdefault((concept.object, discount.field), []).append(use)
    for name, written in mapping.write.items():
        for field, wspec in written.fields.items():
            if wspec.field:
                use = Dependency("write", name, field, WRITE[name][field].required)
                uses.setdefault((written.object, wspec.field), []).append(use)
        if written.key_field:
            key = Dependency("write", name, "key_field", True)
            uses.setdefault((written.object, written.key_field), []).append(key)
    return uses


def plan_drift(mapping: Mapping, missing: Iterable[tuple[str, str]]) -> DriftPlan:
    """What to skip and drop when the (object, field) pairs in `missing` are gone."""
    uses = dependencies(mapping)
    skipped: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    messages: list[str] = []
    for obj, field in sorted(set(missing)):
        for use in uses.get((obj, field), []):
            reason = f"{obj}.{field} is missing in the CRM ({use.concept}.{use.canonical_field})"
            if use.essential:
                skipped.setdefault(use.concept, reason)
            else:
                dropped.setdefault(use.concept, []).append(use.canonical_field)
            messages.append(_message(mapping, use, obj, field))
    _cascade(skipped)
    return DriftPlan(skipped, {k: tuple(v) for k, v in dropped.items()}, tuple(messages))


def _cascade(skipped: dict[str, str]) -> None:
    """Skip everything that depends on a skipped concept, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for concept, needs in DEPENDS_ON.items():
            cause = next((n for n in needs if n in skipped), None)
            if concept not in skipped and cause is not None:
                skipped[concept] = f"depends on {cause}, which is skipped: {skipped[cause]}"
                changed = True


def _message(mapping: Mapping, use: Dependency, obj: str, field: str) -> str:
    """One line for `renewal-sync errors` and the logs, naming the field and the fix."""
    line = mapping.line_of(f"{use.direction}.{use.concept}.fields.{use.canonical_field}")
    where = f"{mapping.source}:{line}" if line else mapping.source
    what = f"{use.direction}.{use.concept}.{use.canonical_field}"
    effect = f"the {use.concept} concept is skipped" if use.essential else f"{what} is left out"
    return (
        f"{obj}.{field} no longer exists in the CRM ({what}, {where}); {effect} until the field "
        "is restored or re-mapped"
    )


def _drop(concept: _C, names: tuple[str, ...]) -> _C:
    if not names:
        return concept
    fields = {k: v for k, v in concept.fields.items() if k not in names}
    return concept.model_copy(update={"fields": fields})
