"""Migrations of older mapping files to the current `version:`, applied at load.

Files are never rewritten on disk: an admin's v1 file keeps working, and
`renewal-sync mappings validate` says it was migrated. Each step takes the plain data of one
version and returns the next, plus where moved keys came from, so a problem in a migrated
key is still reported on the line the admin wrote it.

Version 1 (renewal-sync 0.x) differed from version 2 in three ways:

- `upgrade_lines` was a top-level key; v2 keeps it under `settings`.
- A line's discounts were four flat keys on `read.line` (`discount_percent_field`,
  `discount_amount_field`, `one_time_discount_percent_field`,
  `one_time_discount_amount_field`) and a single `price_period: year|month` applied to every
  money field of the line; v2 has a `discounts:` list and a `per:` on each field.
- Write fields had no policy: v1 wrote every mapped field on every run. v2 gives each field
  the table's default policy (docs/mappings.md), which protects people's edits.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

from mappings.concepts import WRITE

Moves = dict[str, str]
Step = Callable[[dict[str, Any]], tuple[dict[str, Any], Moves]]

_V1_DISCOUNTS = (
    ("discount_percent_field", "percent", "recurring"),
    ("discount_amount_field", "amount", "recurring"),
    ("one_time_discount_percent_field", "percent", "one_time"),
    ("one_time_discount_amount_field", "amount", "one_time"),
)
_V1_PRICED = ("unit_price", "precommit")


def v1_to_v2(data: dict[str, Any]) -> tuple[dict[str, Any], Moves]:
    """Move `upgrade_lines` under settings, expand line discounts and units, add policies."""
    result = deepcopy(data)
    moves: Moves = {}
    if "upgrade_lines" in result:
        settings = result.setdefault("settings", {})
        settings["upgrade_lines"] = result.pop("upgrade_lines")
        moves["settings.upgrade_lines"] = "upgrade_lines"
    line = (result.get("read") or {}).get("line")
    if isinstance(line, dict):
        moves |= _v1_line(line)
    for concept, spec in (result.get("write") or {}).items():
        if isinstance(spec, dict) and isinstance(spec.get("fields"), dict):
            _v1_policies(concept, spec["fields"])
    result["version"] = 2
    return result, moves


def _v1_line(line: dict[str, Any]) -> Moves:
    """Flat discount keys -> `discounts:`; `price_period` -> `per:` on each money field."""
    period = line.pop("price_period", "year")
    found = line.get("fields")
    fields: dict[str, Any] = found if isinstance(found, dict) else {}
    for name in _V1_PRICED:
        if name in fields and period != "year":
            spec = fields[name]
            fields[name] = {"field": spec, "per": period} if isinstance(spec, str) else spec
    discounts: list[dict[str, Any]] = []
    moves: Moves = {}
    for key, as_, kind in _V1_DISCOUNTS:
        if key in line:
            entry = {"field": line.pop(key), "as": as_, "kind": kind}
            if as_ == "amount" and kind == "recurring" and period != "year":
                entry["per"] = period
            moves[f"read.line.discounts[{len(discounts)}]"] = f"read.line.{key}"
            discounts.append(entry)
    if discounts:
        line["discounts"] = discounts
    return moves


def _v1_policies(concept: str, fields: dict[str, Any]) -> None:
    """Give every v1 write field the v2 default policy of its canonical field."""
    table = WRITE.get(concept, {})
    for name, spec in fields.items():
        canonical = table.get(name)
        if canonical is None:
            continue  # left for validation to report with a suggestion
        written = {"field": spec} if isinstance(spec, str) else spec
        if isinstance(written, dict):
            written.setdefault("policy", canonical.policy.value)
            fields[name] = written


MIGRATIONS: dict[int, Step] = {1: v1_to_v2}
"""`MIGRATIONS[n]` turns a version-n file into a version n+1 file."""
