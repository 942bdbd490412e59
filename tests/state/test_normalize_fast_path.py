"""The fast path of `normalize` (exact JSON types first) decides exactly as the general one."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from sync.state import types as state_types
from sync.state.types import _general, canonical_json, normalize


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


PAYLOADS: list[Any] = [
    {"Id": "006A", "Amount": 22500.0, "Price": 1200.5, "Closed": True, "Note": None},
    {"Qty": Decimal("3.00"), "Rate": Decimal("0.125"), "Big": float("inf"), "NaN": float("nan")},
    {"day": date(2026, 1, 1), "at": datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=2)))},
    {"@associations.deals": ["1", 2, 3.0, None], "nested": {"a": [{"b": 1.5}], 7: "seven"}},
    {Colour.RED: Colour.RED, "level": Level.HIGH, "tuple": (1, 2.0), "set": {3, 1, 2}},
    OrderedDict([("x", 1.0), ("y", [Decimal(2)])]),
    [1, "a", True, None, 2.0, {"k": (date(2026, 5, 1),)}],
    -0.0,
    1e300,
    "text",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_fast_path_gives_what_the_general_path_gives(
    payload: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = normalize(payload)
    monkeypatch.setattr(state_types, "normalize", _general)  # the pre-fast-path algorithm
    general = _general(payload)
    assert repr(fast) == repr(general)
    assert [type(v) for v in _leaves(fast)] == [type(v) for v in _leaves(general)]


def test_equal_payloads_still_hash_equal_across_types() -> None:
    assert canonical_json({"a": 22500.0}) == canonical_json({"a": 22500})
    assert canonical_json({"a": Decimal("1.50")}) == canonical_json({"a": 1.5})
    assert normalize({"at": datetime(2026, 1, 1, tzinfo=UTC)}) == {
        "at": "2026-01-01T00:00:00+00:00"
    }


def test_unknown_values_are_still_refused_inside_plain_containers() -> None:
    with pytest.raises(TypeError, match="cannot store object"):
        normalize({"a": [object()]})


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in [key, *_leaves(item)]]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
