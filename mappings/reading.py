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
        raw = _source(spec)(self.record) if spec else None
        return "(no id)" if raw is None else to_text(raw)

    def problem(self, canonical: str, crm_field: str | None, message: str) -> FieldProblem:
        return FieldProblem(self.object, self.record_id, canonical, crm_field, message)


def read_all(reader: Reader) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Every mapped canonical field of the record; required ones that are empty are problems."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    record, term_months = reader.record, reader.term_months
    for name, field in readers(reader.mapping, reader.concept).fields.items():
        try:
            value = field.read(record, term_months)
        except CoerceError as exc:
            problems.append(reader.problem(name, crm_field(field.spec, record), str(exc)))
            continue
        if value is not None:
            values[name] = value
        elif field.required:
            problems.append(reader.problem(name, crm_field(field.spec, record), field.empty))
    return values, problems


def read_value(reader: Reader, name: str) -> Any:
    """One canonical value of the record; None if empty or unreadable."""
    field = readers(reader.mapping, reader.concept).fields.get(name)
    if field is None:
        return None
    try:
        return field.read(reader.record, reader.term_months)
    except CoerceError:
        return None


def crm_field(spec: ReadField, record: Record) -> str | None:
    """The CRM field (or association) a value came from, to name it in a problem: the first
    of the spec's fields that holds a value, else all of them."""
    if spec.value is not None:
        return None
    if spec.association is not None:
        return f"{ASSOCIATION_PREFIX}{spec.association}"
    names = field_names(spec)
    found = next((name for name in names if not is_blank(record.get(name))), None)
    return found or " / ".join(names) or None


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
"""A field reader: the canonical value, or None when empty; raises `CoerceError` with the
problem's wording when the value cannot be read."""


@dataclass(frozen=True, slots=True)
class FieldReader:
    """One canonical field with everything about its spec resolved once per mapping."""

    name: str
    spec: ReadField
    required: bool
    empty: str  # the problem's wording when a required value is empty
    read: ReadFn


@dataclass(frozen=True, slots=True)
class ConceptReaders:
    """The field readers of one read concept, in the mapping's field order."""

    source: ReadConcept
    fields: dict[str, FieldReader]


_READERS: dict[int, tuple[weakref.ref[Mapping], dict[str, ConceptReaders]]] = {}
"""id(mapping) -> (a weak reference to that very mapping, its concepts' readers).

Mapping files are re-read every run and admins edit them, so readers belong to the mapping
*object*: the loader builds them for a newly loaded mapping (`build_readers`), an entry is
dropped when its mapping is garbage collected, and the weak reference proves that an id
reused by a later object is never served the old readers. A concept whose `ReadConcept` was
replaced (a mapping narrowed by schema drift) gets its own."""


def build_readers(mapping: Mapping) -> Mapping:
    """Build the readers of every read concept of `mapping` (the loader calls this)."""
    for concept in mapping.read:
        readers(mapping, concept)
    return mapping


def readers(mapping: Mapping, concept: str) -> ConceptReaders:
    """The readers of `concept` in `mapping` (built with the mapping, or on first use)."""
    key = id(mapping)
    entry = _READERS.get(key)
    if entry is None or entry[0]() is not mapping:
        entry = (weakref.ref(mapping, partial(_forget, key)), {})
        _READERS[key] = entry
    source = mapping.read[concept]
    found = entry[1].get(concept)
    if found is None or found.source is not source:
        found = entry[1][concept] = _concept_readers(concept, source)
    return found


def _forget(key: int, ref: weakref.ref[Mapping]) -> None:
    entry = _READERS.get(key)
    if entry is not None and entry[0] is ref:
        del _READERS[key]


def _concept_readers(concept: str, source: ReadConcept) -> ConceptReaders:
    table = READ[concept]
    fields = {name: _reader(name, spec, table.get(name)) for name, spec in source.fields.items()}
    return ConceptReaders(source, fields)


def _reader(name: str, spec: ReadField, canonical: Canonical | None) -> FieldReader:
    if canonical is None:  # the loader refuses this; fail when read
        return FieldReader(name, spec, False, "", partial(_unknown, name))
    need = f"; {canonical.need}" if canonical.need else "; it is required by the mapping"
    required = bool(canonical.required or spec.required)
    return FieldReader(name, spec, required, f"is empty{need}", _field_reader(spec, canonical))


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
    """The common case (a field read as it is): no transform, value map or unit; a closure
    of its own because it runs for most fields of every mirrored record."""

    def read(record: Record, term_months: Decimal | None) -> Any:
        raw = source(record)
        return None if raw is None else convert(raw)

    return read


def _source(spec: ReadField) -> Callable[[Record], Any]:
    """The raw value: a constant, the first associated id, or the first of the spec's
    fields that holds a value; blank values are None (they read the same)."""
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
    """The value map: exact, then case-insensitive; enums also accept their own names.

    `default` fills a blank value; for enum and yes/no fields it also catches values the map
    does not list (every other stage is "open"). Text passes unmapped values through.
    """
    values = spec.values or {}
    folded = {k.casefold(): v for k, v in values.items()}
    default = spec.default
    known = ", ".join(f"`{k}`" for k in values) or "none"
    unmapped = partial(_unmapped, default, canonical.kind, canonical.choices, known)

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


def _unmapped(  # noqa: PLR0917 - bound once per field by partial, then called with raw, text
    default: Any, kind: Kind, choices: tuple[str, ...], known: str, raw: Any, text: str
) -> Any:
    """A value the map does not list."""
    if kind is Kind.ENUM and text.lower() in choices:
        return text.lower()
    if kind in (Kind.TEXT, Kind.ID):
        return raw
    if default is not None:
        return default
    if kind is Kind.BOOL:
        return raw
    raise CoerceError(f"has the value `{text}`, which the mapping does not map (mapped: {known})")


def _unit_reader(per: str | PerFromField | None) -> Callable[[Record], Unit]:
    """The unit of a money field, fixed once or read from the record (`unit_of`)."""
    if per is None or isinstance(per, str):
        try:
            fixed = Unit.YEAR if per is None else Unit(per)
        except ValueError:
            return partial(unit_of, per)  # raises as before, when a value is read
        return lambda record: fixed
    return partial(unit_of, per)
