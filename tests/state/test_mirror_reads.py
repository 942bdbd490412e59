"""The mirror's fast reads give what the general ones give, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync.state import MirrorRecord, StateStore
from tests.state.conftest import T0


def line(record_id: str, seconds: int, *, deleted: bool = False, **data: object) -> MirrorRecord:
    modstamp = T0 + timedelta(seconds=seconds)
    return MirrorRecord("salesforce", "line", record_id, modstamp, data, is_deleted=deleted)


def test_data_by_id_is_list_type_in_keyset_order_without_deletions(store: StateStore) -> None:
    store.mirror.upsert(
        [
            line("00kC", 5, Quantity=2.5),
            line("00kA", 9, Name="x", Tags=["a", None]),
            line("00kB", 5, Quantity=3.0, Nested={"k": 1}),
            line("00kD", 1, deleted=True),
            MirrorRecord("salesforce", "order", "006A", T0, {"Id": "006A"}),
            MirrorRecord("hubspot", "line", "1", T0, {"id": "1"}),
        ]
    )
    expected = {r.record_id: dict(r.data) for r in store.mirror.list_type("salesforce", "line")}
    got = store.mirror.data_by_id("salesforce", "line")
    assert list(got.items()) == list(expected.items())
    assert list(got) == ["00kB", "00kC", "00kA"]
    assert got["00kB"] == {"Quantity": 3, "Nested": {"k": 1}}


def test_get_reads_one_id_and_many_ids_alike(store: StateStore) -> None:
    store.mirror.upsert([line(f"00k{i}", i, Quantity=i) for i in range(5)])
    one = store.mirror.get("salesforce", "line", ["00k3"])
    many = store.mirror.get("salesforce", "line", ["00k3", "00k1", "00k3", "missing"])
    assert one == {"00k3": many["00k3"]}
    assert set(many) == {"00k1", "00k3"}
    assert store.mirror.get("salesforce", "order", ["00k3"]) == {}
    assert store.mirror.get("salesforce", "line", []) == {}


def test_upsert_replaces_on_an_equal_modstamp_and_keeps_newer_rows(store: StateStore) -> None:
    store.mirror.upsert([line("00kA", 5, Quantity=1), line("00kB", 5, Quantity=1)])
    store.mirror.upsert([line("00kA", 5, Quantity=2), line("00kB", 4, Quantity=3)])
    got = store.mirror.data_by_id("salesforce", "line")
    assert got == {"00kA": {"Quantity": 2}, "00kB": {"Quantity": 1}}


def test_upsert_still_refuses_naive_datetimes(store: StateStore) -> None:
    naive = MirrorRecord("salesforce", "line", "00kA", T0.replace(tzinfo=None), {})
    with pytest.raises(ValueError, match="naive"):
        store.mirror.upsert([naive])
    assert store.mirror.count("salesforce", "line") == 0
