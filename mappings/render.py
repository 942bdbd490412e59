"""Canonical write intents -> CRM payloads, diff-only, with each field's write policy applied.

Pure: the pipeline passes what the CRM holds now (`current`, a flat record, None for a record
that does not exist yet) and what the service last wrote (`last_written`, CRM field -> value,
from the state store). The plan says what to send, what was held back because a person edited
it (both values, so the difference can be reported), and why, field by field.

Policies (docs/mappings.md):
- `always`: the CRM must say what the service says.
- `if_blank`: write only into a new record or a blank field (names, owners, lookups).
- `unless_edited`: write only into a new record, a blank field the service never wrote, or a
  field that still holds what the service last wrote. Anything else is a person's edit and is
  kept. A field the service never wrote on an existing record (a renewal a person created and
  the service adopted) counts as a person's value.
"""

from __future__ import annotations

from collections.abc import Mapping as Map
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from contract_rules.money import to_cents
from mappings.coerce import TRANSFORMS, comparable, is_blank, per_year
from mappings.concepts import ASSOCIATION_TYPES, WRITE, WRITE_KEY, Canonical, Kind, Policy, Unit
from mappings.intents import Intent
from mappings.reading import ASSOCIATION_PREFIX
from mappings.schema import Mapping, WriteConcept, WriteField


class Outcome(StrEnum):
    WRITE = "write"
    UNCHANGED = "unchanged"  # the CRM already says so
    HELD_BACK = "held_back"  # a person's edit, kept (unless_edited)
    KEPT = "kept"  # the CRM has a value and the policy is if_blank
    SKIPPED = "skipped"  # the intent has nothing to say (None), or cannot be converted


@dataclass(frozen=True, slots=True)
class Decision:
    """What happened to one field and why, for logs, dry runs and previews."""

    canonical_field: str
    crm_field: str
    policy: Policy
    outcome: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A field the service wanted to change but a person had edited: record the difference."""

    canonical_field: str
    crm_field: str
    current: Any
    wanted: Any
    last_written: Any


@dataclass(frozen=True, slots=True)
class AssociationWrite:
    """A HubSpot association to create from the written record to `to_id`."""

    to_object: str
    to_id: str
    type_id: int


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Everything one intent needs written; empty `payload` and `associations`: no call."""

    concept: str
    object: str
    key_field: str
    key: str
    is_new: bool
    payload: dict[str, Any] = field(default_factory=dict)
    associations: tuple[AssociationWrite, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    decisions: tuple[Decision, ...] = ()

    @property
    def changes(self) -> bool:
        """True when anything must be sent to the CRM."""
        return bool(self.payload or self.associations)

    def record(self) -> dict[str, Any]:
        """The upsert body: the key field plus the changed fields."""
        return {self.key_field: self.key, **self.payload}


@dataclass(frozen=True, slots=True)
class _Field:
    """One field on its way out: canonical name, CRM field, policy, converted value."""

    name: str
    crm_field: str
    policy: Policy
    value: Any


def render(
    concept: str,
    intent: Intent,
    *,
    current: Map[str, Any] | None,
    last_written: Map[str, Any] | None,
    mapping: Mapping,
    lengths: Map[str, int] | None = None,
) -> WritePlan:
    """The diff-only write plan for `intent` against the CRM's `current` record.

    `lengths` (CRM field -> characters it holds, from describe) cuts longer text to fit,
    ending in an ellipsis, before it is compared: what the CRM holds is then the value."""
    spec = mapping.write[concept]
    key = str(getattr(intent, WRITE_KEY[concept]))
    outgoing, decisions = _outgoing(concept, spec, intent)
    if lengths:
        outgoing = [_fitted(out, lengths.get(out.crm_field)) for out in outgoing]
    payload: dict[str, Any] = {}
    held: list[HeldBack] = []
    for out in outgoing:
        decision = _decide(out, current, last_written or {})
        decisions.append(decision)
        if decision.outcome is Outcome.WRITE:
            payload[out.crm_field] = out.value
        elif decision.outcome is Outcome.HELD_BACK:
            held.append(_held(out, current, last_written or {}))
    links = _associations(spec, intent, current)
    return WritePlan(
        concept, spec.object, str(spec.key_field), key, current is None,
        payload, links, tuple(held), tuple(decisions),
    )  # fmt: skip


ELLIPSIS = "\u2026"


def _fitted(out: _Field, length: int | None) -> _Field:
    """Text longer than its field, cut to fit with an ellipsis (a 255-character account
    name in a task subject); anything else as it is."""
    if length is None or not isinstance(out.value, str) or len(out.value) <= length:
        return out
    return _Field(out.name, out.crm_field, out.policy, out.value[: max(length - 1, 0)] + ELLIPSIS)


def _outgoing(
    concept: str, spec: WriteConcept, intent: Intent
) -> tuple[list[_Field], list[Decision]]:
    """Every field the intent has a value for, converted; a decision for those it has not."""
    fields: list[_Field] = []
    skipped: list[Decision] = []
    for name, fspec in spec.fields.items():
        if fspec.association is not None:
            continue
        policy = Policy(fspec.policy or WRITE[concept][name].policy)
        crm = str(fspec.field)
        value = fspec.value if fspec.value is not None else getattr(intent, name, None)
        converted = None if value is None else _convert(fspec, WRITE[concept][name], value, intent)
        if value is None and name in getattr(intent, "clearable", ()):
            fields.append(_Field(name, crm, policy, None))  # cleared: the value is gone
            continue
        if converted is None:
            reason = (
                "the intent has no value"
                if value is None
                else "cannot convert (quantity or term unknown)"
            )
            skipped.append(Decision(name, crm, policy, Outcome.SKIPPED, reason))
        else:
            fields.append(_Field(name, crm, policy, converted))
    for crm, constant in spec.constants.items():
        fields.append(_Field(f"constant {crm}", crm, Policy(constant.policy), constant.value))
    return fields, skipped


def _convert(spec: WriteField, canonical: Canonical, value: Any, intent: Intent) -> Any:
    """Canonical -> CRM: unit, per-unit, value map, transform, wire form."""
    if canonical.kind is Kind.RATE:
        value = _per_unit(spec, _from_yearly(spec, Decimal(value), intent), intent)
        if value is None:
            return None
    if spec.values is not None:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        value = spec.values.get(text, spec.default if spec.default is not None else value)
    if spec.transform is not None:
        value = TRANSFORMS[spec.transform].write(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _from_yearly(spec: WriteField, value: Decimal, intent: Intent) -> Decimal | None:
    """A yearly rate as the field's unit; rounded to cents only when converted."""
    unit = Unit(spec.per or "year")
    factor = per_year(unit, getattr(intent, "term_months", None))
    if factor is None:
        return None
    return value if factor == 1 else to_cents(value / factor)


def _per_unit(spec: WriteField, value: Decimal | None, intent: Intent) -> Decimal | None:
    if value is None or not spec.per_unit:
        return value
    quantity = Decimal(getattr(intent, "quantity", 0) or 0)
    return None if quantity == 0 else to_cents(value / abs(quantity))


def _decide(out: _Field, current: Map[str, Any] | None, last: Map[str, Any]) -> Decision:
    """Apply the field's policy; the reason is what an admin reads in a dry run."""
    if current is None:
        outcome, reason = Outcome.WRITE, "new record"
    else:
        now = current.get(out.crm_field)
        if comparable(now) == comparable(out.value) or (out.value is None and is_blank(now)):
            outcome, reason = Outcome.UNCHANGED, "the CRM already has this value"
        else:
            outcome, reason = _POLICY_RULES[out.policy](now, out.crm_field, last)
    return Decision(out.name, out.crm_field, out.policy, outcome, reason)


def _always(_now: Any, _crm: str, _last: Map[str, Any]) -> tuple[Outcome, str]:
    return Outcome.WRITE, "policy always: the CRM value differs"


def _if_blank(now: Any, _crm: str, _last: Map[str, Any]) -> tuple[Outcome, str]:
    if is_blank(now):
        return Outcome.WRITE, "policy if_blank: the CRM value is blank"
    return Outcome.KEPT, "policy if_blank: the CRM already has a value"


def _unless_edited(now: Any, crm: str, last: Map[str, Any]) -> tuple[Outcome, str]:
    if crm in last:
        if comparable(now) == comparable(last[crm]):
            return Outcome.WRITE, "policy unless_edited: unchanged since the service wrote it"
        return Outcome.HELD_BACK, "policy unless_edited: a person changed it since the last write"
    if is_blank(now):
        return Outcome.WRITE, "policy unless_edited: blank, and the service never wrote it"
    return Outcome.HELD_BACK, "policy unless_edited: the service never wrote it (a person's value)"


_POLICY_RULES = {
    Policy.ALWAYS: _always,
    Policy.IF_BLANK: _if_blank,
    Policy.UNLESS_EDITED: _unless_edited,
}


def _held(out: _Field, current: Map[str, Any] | None, last: Map[str, Any]) -> HeldBack:
    now = (current or {}).get(out.crm_field)
    return HeldBack(out.name, out.crm_field, now, out.value, last.get(out.crm_field))


def _associations(
    spec: WriteConcept, intent: Intent, current: Map[str, Any] | None
) -> tuple[AssociationWrite, ...]:
    """Associations the record lacks (HubSpot); existing ones are never re-sent."""
    links: list[AssociationWrite] = []
    for name, fspec in spec.fields.items():
        target = getattr(intent, name, None)
        if fspec.association is None or target is None:
            continue
        have = (current or {}).get(f"{ASSOCIATION_PREFIX}{fspec.association}") or []
        if str(target) in {str(x) for x in have}:
            continue
        type_id = fspec.type_id or ASSOCIATION_TYPES[(spec.object, fspec.association)]
        links.append(AssociationWrite(fspec.association, str(target), type_id))
    return tuple(links)
