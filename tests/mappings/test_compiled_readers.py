"""Compiled readers: the same values and problems as the reference reader, never stale.

`read_all` runs readers compiled once per mapping; `read_field` is the plain reference. The
agreement test feeds both many awkward records through every mapping file in the repository;
the cache tests make sure an edited (re-read) mapping is never served old readers.
"""

from __future__ import annotations

import gc
import random
import weakref
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mappings import Mapping, load, load_text, to_order
from mappings.reading import (
    _COMPILED,
    ASSOCIATION_PREFIX,
    FieldProblem,
    Reader,
    compiled,
    read_all,
    read_field,
)
from mappings.schema import PerFromField, field_names
from tests.mappings.helpers import MINIMAL, minimal, ok, variant

ROOT = Path(__file__).resolve().parents[2]
MAPPING_FILES = sorted(
    [
        *ROOT.glob("mappings/defaults/*.yaml"),
        *ROOT.glob("docs/examples/*.yaml"),
        ROOT / "tests/mappings/minimal.yaml",
    ]
)
AWKWARD: list[Any] = [
    None, "", "   ", [], (), "abc", "  padded  ", "ABC", 0, 0.0, 1, 12.5, -3, "12.50", "1e3",
    "NaN", "-0", True, False, "true", "No", "yes", "2026-01-31", "2026-02-30",
    "2026-01-31T10:00:00.000+0000", "2026-01-31T23:30:00-05:00", "1767225600000", "-1000",
    "Closed Won", "closed won", "CLOSED LOST", "Open", "New Customer", "renewal", "RECAST",
    "plan", "Usage", "subscription", "one_time", "Automatic", "manual", "High", "low",
    "Year", "year", "Term", "Month", "quarterly", "https://www.Example.com/about", ["x", "y"],
    ["only"], [""], "006A000001", 22500.0,
]  # fmt: skip


def _reference(reader: Reader) -> tuple[dict[str, Any], list[FieldProblem]]:
    """`read_all` as it was before compilation: `read_field` for every mapped field."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, spec in reader.mapping.read[reader.concept].fields.items():
        result = read_field(reader, name, spec)
        if isinstance(result, FieldProblem):
            problems.append(result)
        elif result is not None:
            values[name] = result
    return values, problems


def _keys(mapping: Mapping, concept: str) -> list[str]:
    """Every record key the concept's specs read (fields, per-fields, associations)."""
    keys: list[str] = []
    for spec in mapping.read[concept].fields.values():
        keys += field_names(spec)
        if spec.association is not None:
            keys.append(f"{ASSOCIATION_PREFIX}{spec.association}")
        if isinstance(spec.per, PerFromField):
            keys.append(spec.per.field)
    return [*dict.fromkeys(keys)]


def _outcome(reader: Reader, read: Any) -> str:
    try:
        return repr(read(reader))
    except Exception as exc:  # both must fail the same way, if at all
        return f"raised {type(exc).__name__}: {exc}"


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: p.name)
def test_compiled_readers_agree_with_the_reference_reader(path: Path) -> None:
    mapping = load(path)
    rng = random.Random(path.name)
    for concept in mapping.read:
        keys = _keys(mapping, concept)
        for _ in range(300):
            record = {key: rng.choice(AWKWARD) for key in keys if rng.random() < 0.9}
            term = rng.choice([None, Decimal(12), Decimal(36), Decimal(0)])
            reader = Reader(mapping, concept, record, term)
            assert _outcome(reader, read_all) == _outcome(reader, _reference), (concept, record)


def test_a_well_formed_record_reads_the_same_values_both_ways() -> None:
    mapping = minimal()
    record = dict.fromkeys(_keys(mapping, "order"), "2026-01-31")
    reader = Reader(mapping, "order", record)
    assert read_all(reader) == _reference(reader)


def test_an_edited_mapping_is_read_with_its_own_readers() -> None:
    before = minimal()
    name = field_names(before.read["order"].fields["product"])[0]
    record = {name: "Platform", "Product__c": "Other"}
    assert read_all(Reader(before, "order", record))[0]["product"] == "Platform"
    edited = load_text(variant(f"product: {name}", "product: Product__c"), "m.yaml")
    assert read_all(Reader(edited, "order", record))[0]["product"] == "Other"
    assert read_all(Reader(before, "order", record))[0]["product"] == "Platform"


def test_a_reused_object_id_is_never_served_the_old_readers() -> None:
    mapping = minimal()
    stranger = minimal()
    _COMPILED[id(mapping)] = (weakref.ref(stranger), {"order": compiled(stranger, "order")})
    assert compiled(mapping, "order") is not compiled(stranger, "order")
    assert _COMPILED[id(mapping)][0]() is mapping


def test_a_collected_mapping_leaves_the_cache() -> None:
    mapping = load_text(MINIMAL, "m.yaml")
    compiled(mapping, "order")
    key = id(mapping)
    del mapping
    gc.collect()
    assert key not in _COMPILED or _COMPILED[key][0]() is not None


def test_a_replaced_read_concept_is_compiled_again() -> None:
    mapping = minimal()
    first = compiled(mapping, "order")
    order = mapping.read["order"]
    mapping.read["order"] = order.model_copy(update={"fields": dict(order.fields)})
    assert compiled(mapping, "order") is not first


def test_orders_translate_the_same_after_the_readers_are_cached() -> None:
    mapping = minimal()
    spec = {n: field_names(s) for n, s in mapping.read["order"].fields.items()}
    record = {
        spec["id"][0]: "o1", spec["account_id"][0]: "a1", spec["product"][0]: "p",
        spec["start_date"][0]: "2026-01-01", spec["end_date"][0]: "2026-12-31",
        spec["type"][0]: "New", spec["status"][0]: "Closed Won",
    }  # fmt: skip
    first = to_order(record, [], mapping)
    second = to_order(record, [], mapping)
    assert repr(first) == repr(second)
    assert ok(first).order.end_date is not None
