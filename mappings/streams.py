"""What to pull: one stream per read concept, plus the records the service itself writes.

The decide step compares what it wants written with what the CRM holds now, field by field
(`render`). So every field the service writes must also be read back: a read concept on the
same object as a write concept reads the write concept's fields too (the renewal fields on
Opportunity, the renewal-line fields on OpportunityLineItem, the roll-ups on Account), and a
write concept no read concept covers (tasks) gets a stream of its own, limited to the
records that carry the service's key. All names come from the mapping; nothing here knows a
CRM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mappings.drift import associations_for, fields_for
from mappings.schema import Mapping, WriteConcept

WRITTEN_PREFIX = "written:"


@dataclass(frozen=True, slots=True)
class Stream:
    """One pull stream: its name (also its cursor and mirror name) and what to select."""

    name: str
    object: str
    fields: tuple[str, ...]
    where: Any = None  # the mapping's filter, in the CRM's own form
    require_field: str | None = None  # only records where this field is set
    associations: tuple[str, ...] = ()


def streams(mapping: Mapping) -> tuple[Stream, ...]:
    """Every stream the pipeline pulls for `mapping`, read concepts first."""
    found = [_read_stream(mapping, name) for name in mapping.read]
    covered = {spec.object for spec in mapping.read.values()}
    for name, spec in mapping.write.items():
        if spec.object not in covered:
            fields = _write_fields(spec)
            links = tuple(
                dict.fromkeys(f.association for f in spec.fields.values() if f.association)
            )
            stream = f"{WRITTEN_PREFIX}{name}"
            found.append(Stream(stream, spec.object, fields, None, spec.key_field, links))
            covered.add(spec.object)
    return tuple(found)


def _read_stream(mapping: Mapping, name: str) -> Stream:
    spec = mapping.read[name]
    fields = list(fields_for(mapping, name))
    associations = list(associations_for(mapping, name))
    for written in mapping.write.values():
        if written.object == spec.object:
            fields += _write_fields(written)
            associations += [f.association for f in written.fields.values() if f.association]
    return Stream(
        name,
        spec.object,
        tuple(dict.fromkeys(fields)),
        spec.where,
        None,
        tuple(dict.fromkeys(associations)),
    )


def _write_fields(spec: WriteConcept) -> tuple[str, ...]:
    names = [spec.key_field] if spec.key_field else []
    names += [str(f.field) for f in spec.fields.values() if f.field is not None]
    names += list(spec.constants)
    return tuple(dict.fromkeys(names))
