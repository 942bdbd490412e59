"""Golden results: a few thousand varied subscriptions evaluate exactly as they did.

Guards the speed-ups of the evaluation path: every report field and every exact `Decimal`
(see tests/rules/golden.py) must stay identical, under every settings variant.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_rules import OrdersInput
from tests.rules.golden import SETTINGS, load_expected, load_input, results


@pytest.fixture(scope="module")
def parsed() -> OrdersInput:
    return load_input()


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return load_expected()


@pytest.fixture(scope="module")
def actual(parsed: OrdersInput) -> dict[str, Any]:
    return results(parsed)


def test_the_default_settings_give_the_same_report_and_exact_values(expected, actual):
    want, got = expected["default"], actual["default"]
    for part in ("report", "exact"):
        rows = want[part]["subscriptions"] if part == "report" else want[part]
        new = got[part]["subscriptions"] if part == "report" else got[part]
        assert len(new) == len(rows)
        for index, (old_row, new_row) in enumerate(zip(rows, new, strict=True)):
            assert new_row == old_row, f"{part} of subscription #{index} changed"
    assert got["report"]["as_of"] == want["report"]["as_of"]


@pytest.mark.parametrize("variant", [*SETTINGS, "streamed"])
def test_every_settings_variant_gives_the_same_results(variant, expected, actual):
    want, got = expected["digests"][variant], actual["digests"][variant]
    changed = [i for i, (a, b) in enumerate(zip(want, got, strict=True)) if a != b]
    assert len(got) == len(want)
    assert not changed, f"{variant}: {len(changed)} subscriptions changed, first #{changed[:5]}"


def test_the_golden_data_covers_every_kind_of_result(expected):
    subscriptions = expected["default"]["report"]["subscriptions"]
    codes = {e["code"] for s in subscriptions for e in s["errors"]}
    assert len(codes) >= 12
    assert {s["state"] for s in subscriptions} >= {"active", "expired", "terminated", None}
    assert sum(len(s["recast_credits"]) for s in subscriptions) > 100
