"""The boundary: what the canonical model rejects, where (the JSON path), and what it accepts.

The single-record rules live in the model's validators (contract_rules/model.py), which are
tuned for parse speed (bench/rules.py); these tests pin their messages, paths and edge cases.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from contract_rules import Order, OrdersInput
from sync.cli.rules import describe_errors

EXAMPLE = json.loads((Path(__file__).resolve().parents[2] / "examples" / "orders.json").read_text())
ORDERS = TypeAdapter(list[Order])  # what bench/rules.py parses with


def _with(*edits: tuple[tuple[Any, ...], str, Any]) -> dict[str, Any]:
    """The example file with `node[key] = value` applied for each (path to node, key, value)."""
    data: dict[str, Any] = copy.deepcopy(EXAMPLE)
    for path, key, value in edits:
        node = data
        for part in path:
            node = node[part]
        node[key] = value
    return data


def _problems(data: dict[str, Any]) -> list[str]:
    """The lines `renewal-sync rules evaluate` prints, from the file and from the bench's path."""
    with pytest.raises(ValidationError) as from_file:
        OrdersInput.model_validate_json(json.dumps(data))
    with pytest.raises(ValidationError) as from_dicts:
        ORDERS.validate_python(data["orders"])
    problems = describe_errors(from_file.value)
    assert [f"orders{p}" for p in describe_errors(from_dicts.value)] == problems
    return problems


def _parsed(data: dict[str, Any]) -> OrdersInput:
    parsed = OrdersInput.model_validate_json(json.dumps(data))
    assert ORDERS.validate_python(data["orders"]) == list(parsed.orders)
    return parsed


LINE_0 = ("orders", 0, "lines", 0)


@pytest.mark.parametrize("kind", ["new", "renewal", "recast"])
def test_a_contract_order_without_an_end_date_is_rejected(kind):
    problems = _problems(_with((("orders", 0), "type", kind), (("orders", 0), "end_date", None)))
    assert problems == [
        f"orders[0]: Value error, a {kind} order needs an `end_date` (the last day of its term)"
    ]


@pytest.mark.parametrize("index", [1, 6])  # an upgrade, a termination
def test_an_upgrade_or_a_termination_may_leave_the_end_date_empty(index):
    assert _parsed(_with((("orders", index), "end_date", None))).orders[index].end_date is None


def test_an_end_date_before_the_start_date_is_rejected_and_the_same_day_accepted():
    problems = _problems(_with((("orders", 2), "end_date", "2026-07-31")))
    assert problems == [
        "orders[2]: Value error, `end_date` is before `start_date`; "
        "the end date is the last day of the term"
    ]
    one_day = _parsed(_with((("orders", 2), "end_date", "2026-08-01"))).orders[2]
    assert one_day.end_date == one_day.start_date


@pytest.mark.parametrize(("index", "line"), [(0, 0), (0, 4), (3, 0), (4, 0)])
def test_a_negative_quantity_outside_an_upgrade_is_rejected(index, line):
    problems = _problems(_with((("orders", index, "lines", line), "quantity", "-1")))
    assert problems == [
        f"orders[{index}]: Value error, "
        "negative quantities (removals) are only allowed on upgrade orders"
    ]


def test_a_negative_quantity_on_an_upgrade_and_a_negative_zero_anywhere_are_accepted():
    parsed = _parsed(_with((("orders", 1, "lines", 0), "quantity", -3), (LINE_0, "quantity", "-0")))
    assert parsed.orders[1].lines[0].quantity == -3
    assert parsed.orders[0].lines[0].quantity == 0


def test_the_date_rule_is_reported_before_the_quantity_rule():
    data = _with((("orders", 0), "end_date", "2025-01-01"), (LINE_0, "quantity", "-1"))
    assert len(problems := _problems(data)) == 1
    assert "`end_date` is before `start_date`" in problems[0]


def test_a_precommit_on_a_non_usage_line_is_rejected_on_that_line():
    problems = _problems(_with((LINE_0, "precommit", "5")))
    assert problems == [
        "orders[0].lines[0]: Value error, `precommit` is only for usage lines; this line is 'plan'"
    ]


@pytest.mark.parametrize(
    "edit",
    [
        (("orders", 0, "lines", 0, "discounts", 0), "amount", "5"),
        (("orders", 0, "lines", 0, "discounts", 0), "percent", None),
    ],
    ids=["both", "neither"],
)
def test_a_discount_needs_exactly_one_of_percent_or_amount(edit):
    assert _problems(_with(edit)) == [
        "orders[0].lines[0].discounts[0]: Value error, a discount needs exactly one of "
        "`percent` or `amount`; set one, remove the other"
    ]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("unit_price", "-0.01", "unit_price: Input should be greater than or equal to 0"),
        ("unit_price", "NaN", "unit_price: Input should be a finite number"),
        ("quantity", "ten", "quantity: Input should be a valid decimal"),
        ("kind", "plan-ish", "kind: Input should be 'plan', 'subscription', 'one_time' or 'usage'"),
        ("sku", "   ", "sku: String should have at least 1 character"),
    ],
)
def test_field_errors_name_the_field(key, value, expected):
    assert _problems(_with((LINE_0, key, value))) == [f"orders[0].lines[0].{expected}"]


def test_a_percent_over_100_is_rejected():
    problems = _problems(_with((("orders", 0, "lines", 0, "discounts", 0), "percent", "100.01")))
    assert problems == [
        "orders[0].lines[0].discounts[0].percent: Input should be less than or equal to 100"
    ]


def test_every_problem_is_reported_not_only_the_first():
    data = _with(
        (("orders", 0), "id", ""),
        (("orders", 0, "lines", 1), "kind", "seat"),
        (("orders", 2), "end_date", "2020-01-01"),
        (("orders", 4, "lines", 0), "extra", 1),
    )
    paths = [problem.split(":")[0] for problem in _problems(data)]
    assert paths == [
        "orders[0].id",
        "orders[0].lines[1].kind",
        "orders[2]",
        "orders[4].lines[0].extra",
    ]


def test_surrounding_whitespace_is_stripped_from_text_fields():
    parsed = _parsed(_with((LINE_0, "sku", " GROWTH "), (("orders", 1), "amends", " O-1 ")))
    assert parsed.orders[0].lines[0].sku == "GROWTH"
    assert parsed.orders[1].amends == "O-1"
