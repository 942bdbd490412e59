"""Reading one flat CRM record through a read concept: values in, problems as values.

A flat record is what the connectors store in the mirror: CRM field names as keys
(Salesforce parents flattened as "Product2.ProductCode"; HubSpot associations as
"@associations.deals": [ids]). Nothing here raises for bad data: a field that cannot be read
becomes a `FieldProblem`, and the caller decides whether the record can still be used.
"""

from __future__ import annotations

from collections.abc import Mapping as Map
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mappings.coerce import TRANSFORMS, CoerceError, is_blank, per_year, to_kind, to_text
from mappings.concepts import READ, Canonical, Kind, Unit
from mappings.schema import Mapping, PerFromField, ReadField, field_names

Record = Map[str, Any]
ASSOCIATION_PREFIX = "@associations."


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field of one record that could not be read, and what to do about it."""

    object: str
    record_id: str
    canonical_field: str
    crm_field: str | None
    message: str

    def __str__(self) -> str:
        field = f" field {self.crm_field}" if self.crm_field else ""
        return f"{self.object} {self.record_id}{field} {self.message}"


@dataclass(frozen=True, slots=True)
class Reader:
    """One record being read through one concept; `term_months` serves `per: term`."""

    mapping: Mapping
    concept: str
    record: Record
    term_months: Decimal | None = None

    @property
    def object(self) -> str:
        return self.mapping.read[self.concept].object

    @property
    def record_id(self) -> str:
        spec = self.mapping.read[self.concept].fields.get("id")
        raw = _raw(spec, self.record)[0] if spec else None
        return "(no id)" if is_blank(raw) else to_text(raw)

    def problem(self, canonical: str, crm_field: str | None, message: str) -> FieldProblem:
        return FieldProblem(self.object, self.record_id, canonical, crm_field, message)


def read_all(reader: Reader) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Every mapped canonical field of the record; required ones that are empty are problems."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, spec in reader.mapping.read[reader.concept].fields.items():
        result = read_field(reader, name, spec)
        if isinstance(result, FieldProblem):
            problems.append(result)
        elif result is not None:
            values[name] = result
    return values, problems


def read_field(reader: Reader, name: str, spec: ReadField) -> Any:
    """One canonical value, None when empty and optional, or a `FieldProblem`."""
    canonical = READ[reader.concept][name]
    raw, crm_field = _raw(spec, reader.record)
    try:
        value = _value(spec, canonical, raw)
        if value is not None and canonical.kind is Kind.RATE:
            value = _yearly(reader, spec, value)
    except CoerceError as exc:
        return reader.problem(name, crm_field, str(exc))
    if value is None and (canonical.required or spec.required):
        need = f"; {canonical.need}" if canonical.need else "; it is required by the mapping"
        return reader.problem(name, crm_field, f"is empty{need}")
    return value


def _raw(spec: ReadField, record: Record) -> tuple[Any, str | None]:
    """The raw value and the CRM field (or association) it came from."""
    if spec.value is not None:
        return spec.value, None
    if spec.association is not None:
        key = f"{ASSOCIATION_PREFIX}{spec.association}"
        ids = record.get(key)
        first = ids[0] if isinstance(ids, list | tuple) and ids else ids
        return first, key
    names = field_names(spec)
    for name in names:
        if not is_blank(record.get(name)):
            return record[name], name
    return None, " / ".join(names) or None


def _value(spec: ReadField, canonical: Canonical, raw: Any) -> Any:
    if not is_blank(raw) and spec.transform is not None:
        raw = TRANSFORMS[spec.transform].read(raw)
    mapped = spec.values is not None or spec.default is not None
    if mapped or canonical.kind is Kind.ENUM:
        raw = _mapped(spec, canonical, raw)
    return None if is_blank(raw) else to_kind(raw, canonical.kind)


def _mapped(spec: ReadField, canonical: Canonical, raw: Any) -> Any:
    """The value map: exact, then case-insensitive; enums also accept their own names.

    `default` fills a blank value; for enum and yes/no fields it also catches values the map
    does not list (every other stage is "open"). Text passes unmapped values through.
    """
    if is_blank(raw):
        return spec.default
    text = to_text(raw)
    values = spec.values or {}
    folded = {k.casefold(): v for k, v in values.items()}
    if text in values or text.casefold() in folded:
        return values.get(text, folded.get(text.casefold()))
    if canonical.kind is Kind.ENUM and text.lower() in canonical.choices:
        return text.lower()
    if canonical.kind in (Kind.TEXT, Kind.ID):
        return raw  # a text value map renames some values; the others pass through
    if spec.default is not None:
        return spec.default
    if canonical.kind is Kind.BOOL:
        return raw
    known = ", ".join(f"`{k}`" for k in values) or "none"
    raise CoerceError(f"has the value `{text}`, which the mapping does not map (mapped: {known})")


def _yearly(reader: Reader, spec: ReadField, value: Decimal) -> Decimal:
    """A money rate as a yearly rate (domain spec: recurring money is yearly)."""
    return yearly(value, unit_of(spec.per, reader.record), reader.term_months)


def unit_of(per: str | PerFromField | None, record: Record) -> Unit:
    """The unit a money field is stated in: fixed, or read from another field."""
    if per is None:
        return Unit.YEAR
    if isinstance(per, str):
        return Unit(per)
    raw = record.get(per.field)
    text = "" if is_blank(raw) else to_text(raw)
    return Unit(per.values.get(text, per.default))


def yearly(value: Decimal, unit: Unit, term_months: Decimal | None) -> Decimal:
    """`value` per `unit` as a yearly rate: x12 for months, x12/term months for a term."""
    factor = per_year(unit, term_months)
    if factor is None:
        raise CoerceError("is a price per term, but the order's term is unknown (no end date)")
    return value * factor
