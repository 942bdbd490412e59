"""Reading one flat CRM record through a read concept: values in, problems as values.

A flat record is what the connectors store in the mirror: CRM field names as keys
(Salesforce parents flattened as "Product2.ProductCode"; HubSpot associations as
"@associations.deals": [ids]). Nothing here raises for bad data: a field that cannot be read
becomes a `FieldProblem`, and the caller decides whether the record can still be used.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from collections.abc import Mapping as Map
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from mappings.coerce import (
    TRANSFORMS,
    CoerceError,
    converter,
    is_blank,
    per_year,
    to_kind,
    to_text,
)
from mappings.concepts import READ, Canonical, Kind, Unit
from mappings.schema import Mapping, PerFromField, ReadConcept, ReadField, field_names

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
    """Every mapped canonical field of the record; required ones that are empty are problems.

    Runs the concept's compiled readers; a field they cannot read is read again by
    `read_field`, so every problem is worded exactly as `read_field` words it.
    """
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    record, term_months = reader.record, reader.term_months
    for name, compiled_field in compiled(reader.mapping, reader.concept).fields.items():
        try:
            value = compiled_field.read(record, term_months)
        except CoerceError:
            problems.append(_problem(reader, compiled_field))
            continue
        if value is not None:
            values[name] = value
        elif compiled_field.required:
            problems.append(_problem(reader, compiled_field))
    return values, problems


def read_value(reader: Reader, name: str) -> Any:
    """One canonical value of the record through the compiled reader; None if empty or bad."""
    compiled_field = compiled(reader.mapping, reader.concept).fields.get(name)
    if compiled_field is None:
        return None
    try:
        return compiled_field.read(reader.record, reader.term_months)
    except CoerceError:
        return None


def _problem(reader: Reader, compiled_field: CompiledField) -> FieldProblem:
    """The problem `read_field` reports for a field the compiled reader could not read."""
    found = read_field(reader, compiled_field.name, compiled_field.spec)
    if not isinstance(found, FieldProblem):  # the two readers disagree: a bug, say so loudly
        raise AssertionError(f"{reader.concept}.{compiled_field.name}: readers disagree")
    return found


def read_field(reader: Reader, name: str, spec: ReadField) -> Any:
    """One canonical value, None when empty and optional, or a `FieldProblem`.

    The reference reader: plain, slow and exact. `read_all` runs the compiled readers below
    and only comes here to word a problem; a test keeps the two in agreement.
    """
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


ReadFn = Callable[[Record, Decimal | None], Any]
"""A compiled field reader: the canonical value or None; raises `CoerceError` where
`read_field` would report a problem (the caller then asks `read_field` for the wording)."""


@dataclass(frozen=True, slots=True)
class CompiledField:
    """One canonical field with everything about its spec resolved once per mapping."""

    name: str
    spec: ReadField
    required: bool
    read: ReadFn


@dataclass(frozen=True, slots=True)
class CompiledConcept:
    """The compiled readers of one read concept, in the mapping's field order."""

    source: ReadConcept
    fields: dict[str, CompiledField]


_COMPILED: dict[int, tuple[weakref.ref[Mapping], dict[str, CompiledConcept]]] = {}
"""id(mapping) -> (a weak reference to that very mapping, its compiled concepts).

Mapping files are re-read every run and admins edit them, so the cache is keyed by the
mapping *object*: a newly loaded mapping is compiled afresh, an entry is dropped when its
mapping is garbage collected, and the weak reference proves that an id reused by a later
object is never served the old readers. A concept whose `ReadConcept` was replaced is
compiled again too."""


def compiled(mapping: Mapping, concept: str) -> CompiledConcept:
    """The compiled readers of `concept` in `mapping` (built on first use, then cached)."""
    key = id(mapping)
    entry = _COMPILED.get(key)
    if entry is None or entry[0]() is not mapping:
        entry = (weakref.ref(mapping, partial(_forget, key)), {})
        _COMPILED[key] = entry
    source = mapping.read[concept]
    found = entry[1].get(concept)
    if found is None or found.source is not source:
        found = entry[1][concept] = _compile_concept(concept, source)
    return found


def _forget(key: int, ref: weakref.ref[Mapping]) -> None:
    entry = _COMPILED.get(key)
    if entry is not None and entry[0] is ref:
        del _COMPILED[key]


def _compile_concept(concept: str, source: ReadConcept) -> CompiledConcept:
    table = READ[concept]
    fields = {
        name: _compile_field(name, spec, table.get(name)) for name, spec in source.fields.items()
    }
    return CompiledConcept(source, fields)


def _compile_field(name: str, spec: ReadField, canonical: Canonical | None) -> CompiledField:
    if canonical is None:  # the loader refuses this; fail when read, as `read_field` does
        return CompiledField(name, spec, False, partial(_unknown, name))
    read = _field_reader(spec, canonical)
    return CompiledField(name, spec, bool(canonical.required or spec.required), read)


def _unknown(name: str, *_: object) -> Any:
    raise KeyError(name)


def _field_reader(spec: ReadField, canonical: Canonical) -> ReadFn:
    """Source, transform, value map, type and unit of one field, each resolved once."""
    source = _source(spec)
    transform = _transform(spec.transform)
    mapped = spec.values is not None or spec.default is not None
    value_map = _value_map(spec, canonical) if mapped or canonical.kind is Kind.ENUM else None
    convert = converter(canonical.kind)
    unit = _unit_reader(spec.per) if canonical.kind is Kind.RATE else None
    if transform is None and value_map is None and unit is None:
        return _plain_reader(source, convert)

    def read(record: Record, term_months: Decimal | None) -> Any:
        raw = source(record)
        if transform is not None and raw is not None:
            raw = transform(raw)
        if value_map is not None:
            raw = value_map(raw)
        if is_blank(raw):
            return None
        value: Any = convert(raw)
        if unit is not None:
            value = yearly(value, unit(record), term_months)
        return value

    return read


def _transform(name: str | None) -> Callable[[object], object] | None:
    """The transform's read side; an unknown name fails on the first non-blank value."""
    if name is None:
        return None
    return TRANSFORMS[name].read if name in TRANSFORMS else partial(_unknown, name)


def _plain_reader(source: Callable[[Record], Any], convert: Callable[[object], Any]) -> ReadFn:
    """The common case (a field read as it is): no transform, value map or unit."""

    def read(record: Record, term_months: Decimal | None) -> Any:
        raw = source(record)
        return None if raw is None else convert(raw)

    return read


def _source(spec: ReadField) -> Callable[[Record], Any]:
    """The raw value as `_raw` finds it, with blank values as None (they read the same)."""
    if spec.value is not None:
        constant = None if is_blank(spec.value) else spec.value
        return lambda record: constant
    if spec.association is not None:
        key = f"{ASSOCIATION_PREFIX}{spec.association}"
        return partial(_first_associated, key)
    names = field_names(spec)
    if len(names) == 1:
        return partial(_one_field, names[0])
    return partial(_first_field, names)


def _one_field(name: str, record: Record) -> Any:
    raw = record.get(name)
    return None if is_blank(raw) else raw


def _first_field(names: tuple[str, ...], record: Record) -> Any:
    for name in names:
        raw = record.get(name)
        if not is_blank(raw):
            return raw
    return None


def _first_associated(key: str, record: Record) -> Any:
    ids = record.get(key)
    first = ids[0] if isinstance(ids, list | tuple) and ids else ids
    return None if is_blank(first) else first


def _value_map(spec: ReadField, canonical: Canonical) -> Callable[[Any], Any]:
    """`_mapped` with the map and its casefolded copy built once."""
    values = spec.values or {}
    folded = {k.casefold(): v for k, v in values.items()}
    default = spec.default
    unmapped = partial(_unmapped, default, canonical.kind, canonical.choices)

    def mapped(raw: Any) -> Any:
        if is_blank(raw):
            return default
        text = to_text(raw)
        found = values.get(text, _MISSING)
        if found is _MISSING:
            found = folded.get(text.casefold(), _MISSING)
        return unmapped(raw, text) if found is _MISSING else found

    return mapped


_MISSING: Any = object()


def _unmapped(default: Any, kind: Kind, choices: tuple[str, ...], raw: Any, text: str) -> Any:
    """A value the map does not list, as `_mapped` treats it."""
    if kind is Kind.ENUM and text.lower() in choices:
        return text.lower()
    if kind in (Kind.TEXT, Kind.ID):
        return raw
    if default is not None:
        return default
    if kind is Kind.BOOL:
        return raw
    raise CoerceError("is not mapped")  # worded by `read_field`


def _unit_reader(per: str | PerFromField | None) -> Callable[[Record], Unit]:
    """The unit of a money field, fixed once or read from the record (`unit_of`)."""
    if per is None or isinstance(per, str):
        try:
            fixed = Unit.YEAR if per is None else Unit(per)
        except ValueError:
            return partial(unit_of, per)  # raises as before, when a value is read
        return lambda record: fixed
    return partial(unit_of, per)
