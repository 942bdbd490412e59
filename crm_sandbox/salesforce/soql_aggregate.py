"""Aggregate queries: GROUP BY and COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX, as AggregateResult.

https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-agg-functions.md
and sforce-api-calls-soql-select-groupby.md: each group is one record of type
AggregateResult (no id, no url); grouped fields keep their field name, an aggregate its
alias, else `expr0`, `expr1`... in select order. A field selected without being grouped or
aggregated is MALFORMED_QUERY (checked by `soql_parser`); SUM and AVG take numbers only.
Without GROUP BY the whole filtered table is one group (one record, even when no row
matched).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm_sandbox.salesforce.schema import NUMERIC_TYPES, Schema
from crm_sandbox.salesforce.soql_eval import Plan, Resolved, resolve
from crm_sandbox.salesforce.soql_parser import Aggregate, FieldRef, located_error
from crm_sandbox.salesforce.store import Row, Store

_NUMERIC_ONLY = {"SUM", "AVG"}


def aggregate_records(plan_: Plan, rows: Iterable[Row], schema: Schema, store: Store) -> list[Any]:
    """The AggregateResult records of an aggregated query, in ORDER BY order."""
    query = plan_.query
    groups = [resolve(plan_.obj, ref, query, schema) for ref in query.group_by]
    columns: list[tuple[str, Resolved | None, Aggregate | None]] = []
    unnamed = 0
    for item in query.select:
        if isinstance(item, FieldRef):  # grouped: the parser checked
            resolved = resolve(plan_.obj, item, query, schema)
            columns.append((resolved.leaf.name, resolved, None))
            continue
        target = resolve(plan_.obj, item.field, query, schema) if item.field else None
        if item.func in _NUMERIC_ONLY and (target is None or target.leaf.type not in NUMERIC_TYPES):
            name = target.leaf.name if target else ""
            raise located_error(
                "INVALID_FIELD",
                query.text,
                item.pos,
                f"field {name} does not support aggregate operator {item.func}",
            )
        name = item.alias or f"expr{unnamed}"
        unnamed += 0 if item.alias else 1
        columns.append((name, target, item))
    buckets: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = tuple(g.get(row, store) for g in groups)
        buckets.setdefault(key, []).append(row)
    if not groups and not buckets:
        buckets[()] = []
    records = [_record(columns, members, store) for members in buckets.values()]
    _sort(records, plan_, schema)
    start = query.offset or 0
    end = start + query.limit if query.limit is not None else None
    return records[start:end]


def _record(
    columns: list[tuple[str, Resolved | None, Aggregate | None]], members: list[Row], store: Store
) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for name, target, func in columns:
        if func is None:
            out[name] = target.get(members[0], store) if target and members else None
            continue
        values = [target.get(row, store) for row in members] if target else [1] * len(members)
        present = [v for v in values if v is not None]
        out[name] = _apply(func.func, present)
    return out


def _apply(func: str, values: list[Any]) -> Any:  # noqa: PLR0911 - one case per function
    if func == "COUNT":
        return len(values)
    if func == "COUNT_DISTINCT":
        return len({v.casefold() if isinstance(v, str) else v for v in values})
    if not values:
        return None
    if func == "SUM":
        return sum(values)
    if func == "AVG":
        return sum(values) / len(values)
    if func == "MIN":
        return min(values)
    return max(values)


def _sort(records: list[dict[str, Any]], plan_: Plan, schema: Schema) -> None:
    for item in reversed(plan_.query.order_by):
        name = resolve(plan_.obj, item.field, plan_.query, schema).leaf.name
        null_high = item.nulls_last != item.descending

        def key(record: dict[str, Any], name: str = name, null_high: bool = null_high) -> Any:
            value = record.get(name)
            if value is None:
                return (1 if null_high else -1, 0)
            return (0, value.casefold() if isinstance(value, str) else value)

        records.sort(key=key, reverse=item.descending)
