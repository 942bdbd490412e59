"""The one field reader: built with the mapping, values or worded problems, never stale.

Every mapping file in the repository reads many awkward records without an exception; the
cache tests make sure an edited (re-read) mapping is never served old readers.
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
    _READERS,
    ASSOCIATION_PREFIX,
    FieldProblem,
    Reader,
    read_all,
    readers,
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


@pytest.mark.parametrize("path", MAPPING_FILES, ids=lambda p: p.name)
def test_awkward_records_become_values_or_named_problems_never_exceptions(path: Path) -> None:
    """Every mapping file in the repository, fed records of awkward values: each mapped field
    is a value or a problem that names the object, the canonical field and what is wrong."""
    mapping = load(path)
    rng = random.Random(path.name)
    for concept in mapping.read:
        keys = _keys(mapping, concept)
        mapped = set(mapping.read[concept].fields)
        for _ in range(300):
            record = {key: rng.choice(AWKWARD) for key in keys if rng.random() < 0.9}
            term = rng.choice([None, Decimal(12), Decimal(36), Decimal(0)])
            values, problems = read_all(Reader(mapping, concept, record, term))
            assert set(values) <= mapped
            for problem in problems:
                assert isinstance(problem, FieldProblem)
                assert problem.object == mapping.read[concept].object
                assert problem.canonical_field in mapped - set(values)
                assert problem.message


def test_a_value_the_map_does_not_list_names_the_value_and_the_map() -> None:
    mapping = minimal()
    spec = mapping.read["order"].fields["type"]
    (name,) = field_names(spec)
    values, problems = read_all(Reader(mapping, "order", {name: "Barter"}))
    (problem,) = [p for p in problems if p.canonical_field == "type"]
    known = ", ".join(f"`{k}`" for k in spec.values or {})
    assert problem.crm_field == name
    assert (
        problem.message
        == f"has the value `Barter`, which the mapping does not map (mapped: {known})"
    )
    assert "type" not in values


def test_an_empty_required_field_names_every_field_it_was_looked_for_in() -> None:
    mapping = minimal()
    _, problems = read_all(Reader(mapping, "order", {}))
    (problem,) = [p for p in problems if p.canonical_field == "account_id"]
    assert problem.crm_field == " / ".join(field_names(mapping.read["order"].fields["account_id"]))
    assert problem.message.startswith("is empty; ")


def test_the_loader_builds_the_readers_with_the_mapping() -> None:
    mapping = load_text(MINIMAL, "m.yaml")
    assert set(_READERS[id(mapping)][1]) == set(mapping.read)


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
    _READERS[id(mapping)] = (weakref.ref(stranger), {"order": readers(stranger, "order")})
    assert readers(mapping, "order") is not readers(stranger, "order")
    assert _READERS[id(mapping)][0]() is mapping


def test_a_collected_mapping_leaves_the_cache() -> None:
    mapping = load_text(MINIMAL, "m.yaml")
    readers(mapping, "order")
    key = id(mapping)
    del mapping
    gc.collect()
    assert key not in _READERS or _READERS[key][0]() is not None


def test_a_replaced_read_concept_gets_its_own_readers() -> None:
    mapping = minimal()
    first = readers(mapping, "order")
    order = mapping.read["order"]
    mapping.read["order"] = order.model_copy(update={"fields": dict(order.fields)})
    assert readers(mapping, "order") is not first


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
