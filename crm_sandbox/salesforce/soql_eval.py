"""Run a parsed SOQL query against the store: resolve names, filter, sort, project.

Name resolution happens before any row is read, so an unknown column or relationship is an
INVALID_FIELD error even on an empty table, with the real message text. Semantics kept from
the vendor: text comparisons and LIKE ignore case; `!=` and NOT IN match nulls; ORDER BY
sorts ASC NULLS FIRST / DESC NULLS LAST unless told otherwise; parent fields come back
nested (`"Account": {"attributes": {...}, "Name": ...}`), a missing parent as null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.ids import to18
from crm_sandbox.salesforce.schema import (
    ID_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
    FieldDef,
    ObjectDef,
    Schema,
)
from crm_sandbox.salesforce.soql_dates import DayRange, day_range
from crm_sandbox.salesforce.soql_parser import (
    BoolOp,
    Compare,
    Expr,
    FieldRef,
    Literal,
    Not,
    Query,
    SemiJoin,
    located_error,
)
from crm_sandbox.salesforce.store import Row, Store
from crm_sandbox.salesforce.values import format_datetime

Predicate = Callable[[Row], bool]
MAX_OFFSET = 2000
_NO_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, "
    "be sure to append the '__c' after the custom field name. Please reference your WSDL or "
    "the describe call for the appropriate names."
)
_NO_RELATION = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
_NO_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be "
    "sure to append the '__c' after the entity name. Please reference your WSDL or the describe "
    "call for the appropriate names."
)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A field path resolved to lookups to follow and the leaf field."""

    hops: tuple[tuple[str, str, str], ...]  # (lookup field, relationship name, target object)
    leaf: FieldDef

    def get(self, row: Row, store: Store) -> Any:
        current: Row | None = row
        for lookup, _, _ in self.hops:
            parent_id = current.get(lookup) if current is not None else None
            current = store.get(parent_id) if parent_id else None
            if current is None:
                return None
        return current.get(self.leaf.name) if current is not None else None


@dataclass(slots=True)
class Plan:
    """A query ready to run: its object, filter, sort and projection."""

    obj: ObjectDef
    query: Query
    fields: list[Resolved]
    predicate: Predicate
    id_hint: set[str] | None
    stamp_hint: str | None = None
    """The least SystemModstamp the filter admits (a keyset read): rows come from the
    store's modstamp index instead of a scan of the whole table."""

    def rows(self, store: Store, include_deleted: bool) -> list[Row]:
        table = store.table(self.obj.name)
        source: Iterable[Row | None]
        if self.id_hint is not None:
            source = (table.get(i) for i in sorted(self.id_hint))
        elif self.stamp_hint is not None:
            source = store.since(self.obj.name, self.stamp_hint)
        else:
            source = table.values()
        wanted = self._enough()
        found: list[Row] = []
        for r in source:
            if r is not None and (include_deleted or not r.get("IsDeleted")) and self.predicate(r):
                found.append(r)
                if wanted is not None and len(found) >= wanted:
                    break
        return found

    def _enough(self) -> int | None:
        """With the modstamp index and ORDER BY SystemModstamp, Id, the first LIMIT (+ OFFSET)
        matches are the answer: the rows already come in that order."""
        query = self.query
        if self.stamp_hint is None or query.limit is None or self.id_hint is not None:
            return None
        order = [(i.field.dotted.lower(), i.descending) for i in query.order_by]
        if order != [("systemmodstamp", False), ("id", False)]:
            return None
        return query.limit + (query.offset or 0)


def plan(
    query: Query, schema: Schema, store: Store, today: date, fiscal_start_month: int = 1
) -> Plan:
    obj = schema.get(query.sobject)
    if obj is None:
        raise located_error(
            "INVALID_TYPE", query.text, query.sobject_pos, _NO_TYPE.format(name=query.sobject)
        )
    fields = [resolve(obj, ref, query, schema) for ref in query.fields]
    compiler = _Compiler(obj, query, schema, store, today, fiscal_start_month)
    predicate = compiler.compile(query.where) if query.where is not None else _always
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise ApiError(
            400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
        )
    return Plan(obj, query, fields, predicate, _id_hint(query.where), _stamp_hint(query.where))


def resolve(obj: ObjectDef, ref: FieldRef, query: Query, schema: Schema) -> Resolved:
    current = obj
    hops: list[tuple[str, str, str]] = []
    for part in ref.path[:-1]:
        lookup = current.relationship(part)
        target = schema.get(lookup.reference_to[0]) if lookup and lookup.reference_to else None
        if lookup is None or target is None or lookup.relationship_name is None:
            raise located_error(
                "INVALID_FIELD", query.text, ref.pos, _NO_RELATION.format(name=part)
            )
        hops.append((lookup.name, lookup.relationship_name, target.name))
        current = target
    leaf = current.field(ref.path[-1])
    if leaf is None:
        message = _NO_COLUMN.format(name=ref.path[-1], entity=current.name)
        raise located_error("INVALID_FIELD", query.text, ref.pos, message)
    return Resolved(tuple(hops), leaf)


def sort_rows(rows: list[Row], plan_: Plan, schema: Schema, store: Store) -> None:
    for item in reversed(plan_.query.order_by):
        resolved = resolve(plan_.obj, item.field, plan_.query, schema)
        null_high = item.nulls_last != item.descending
        text = resolved.leaf.type in TEXT_TYPES

        def key(
            row: Row, resolved: Resolved = resolved, text: bool = text, null_high: bool = null_high
        ) -> tuple[int, Any]:
            value = resolved.get(row, store)
            if value is None:
                return (1 if null_high else -1, 0)
            return (0, value.casefold() if text and isinstance(value, str) else value)

        rows.sort(key=key, reverse=item.descending)


def project(row: Row, plan_: Plan, store: Store, version: str) -> dict[str, Any]:
    """One query record in the REST shape, parents nested under their relationship names."""
    out: dict[str, Any] = {"attributes": _attributes(plan_.obj.name, row["Id"], version)}
    for resolved in plan_.fields:
        _place(out, row, resolved, store, version)
    return out


def _place(out: dict[str, Any], row: Row, resolved: Resolved, store: Store, version: str) -> None:
    target: dict[str, Any] = out
    current: Row | None = row
    for lookup, relationship, sobject in resolved.hops:
        parent_id = current.get(lookup) if current is not None else None
        current = store.get(parent_id) if parent_id else None
        if current is None:
            target.setdefault(relationship, None)
            return
        nested = target.get(relationship)
        if nested is None:
            nested = {"attributes": _attributes(sobject, current["Id"], version)}
            target[relationship] = nested
        target = nested
    if current is not None:
        target[resolved.leaf.name] = current.get(resolved.leaf.name)


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def _always(row: Row) -> bool:
    return True


def _stamp_hint(where: Expr | None) -> str | None:
    """The least SystemModstamp a top-level AND of the filter admits: `SystemModstamp >= t`,
    `> t`, or the keyset form `(SystemModstamp > t OR (SystemModstamp = t AND Id > i))`."""
    conjuncts = where.items if isinstance(where, BoolOp) and where.op == "AND" else (where,)
    found: list[str] = []
    for item in conjuncts:
        if _is_stamp(item) and item.op in {">=", ">"}:  # type: ignore[union-attr]
            found.append(_stamp_text(item.value))  # type: ignore[union-attr]
        elif isinstance(item, BoolOp) and item.op == "OR" and item.items:
            bounds = [_least(i) for i in item.items]
            if all(b is not None for b in bounds):
                found.append(min(b for b in bounds if b is not None))
    return max(found) if found else None


def _least(item: Expr) -> str | None:
    if _is_stamp(item) and item.op in {">=", ">", "="}:  # type: ignore[union-attr]
        return _stamp_text(item.value)  # type: ignore[union-attr]
    if isinstance(item, BoolOp) and item.op == "AND":
        bounds = [b for b in (_least(i) for i in item.items) if b is not None]
        return max(bounds) if bounds else None
    return None


def _is_stamp(item: Expr | None) -> bool:
    return (
        isinstance(item, Compare)
        and len(item.field.path) == 1
        and item.field.path[0].lower() == "systemmodstamp"
        and isinstance(item.value, Literal)
        and item.value.kind == "datetime"
    )


def _stamp_text(value: Any) -> str:
    return format_datetime(value.value)


def _id_hint(where: Expr | None) -> set[str] | None:
    """Ids to look at when the filter pins Id with = or IN (directly or in a top-level AND)."""
    conjuncts = where.items if isinstance(where, BoolOp) and where.op == "AND" else (where,)
    for item in conjuncts:
        if (isinstance(item, Compare) and item.field.path == ("Id",)) or (
            isinstance(item, Compare)
            and len(item.field.path) == 1
            and item.field.path[0].lower() == "id"
        ):
            if isinstance(item.value, SemiJoin):
                continue
            values = item.value if isinstance(item.value, tuple) else (item.value,)
            if item.op in {"=", "IN"} and all(v.kind == "string" for v in values):
                return {full for v in values if (full := to18(str(v.value)))}
    return None


class _Compiler:
    def __init__(  # noqa: PLR0917 - the query's whole context
        self,
        obj: ObjectDef,
        query: Query,
        schema: Schema,
        store: Store,
        today: date,
        fiscal_start_month: int,
    ) -> None:
        self.obj, self.query, self.schema, self.store, self.today = obj, query, schema, store, today
        self.fiscal_start_month = fiscal_start_month

    def compile(self, expr: Expr) -> Predicate:
        if isinstance(expr, BoolOp):
            parts = [self.compile(item) for item in expr.items]
            if expr.op == "AND":
                return lambda row: all(p(row) for p in parts)
            return lambda row: any(p(row) for p in parts)
        if isinstance(expr, Not):
            inner = self.compile(expr.item)
            return lambda row: not inner(row)
        return self.compare(expr)

    def compare(self, expr: Compare) -> Predicate:
        resolved = resolve(self.obj, expr.field, self.query, self.schema)
        store = self.store

        def get(row: Row) -> Any:
            value = resolved.get(row, store)
            return (
                value.casefold()
                if isinstance(value, str) and resolved.leaf.type in TEXT_TYPES
                else value
            )

        if isinstance(expr.value, SemiJoin | tuple):
            if isinstance(expr.value, SemiJoin):
                wanted = self.semi_join(resolved, expr.value)
            else:
                wanted = {self.literal(resolved.leaf, v) for v in expr.value}
            if expr.op == "IN":
                return lambda row: get(row) in wanted
            return lambda row: get(row) not in wanted
        if expr.value.kind == "dateliteral" and resolved.leaf.type in {"date", "datetime"}:
            if expr.op == "LIKE":
                raise self._type_error(resolved.leaf, expr.value)
            days = self._range(expr.value.value)
            return _in_days(get, expr.op, days, timed=resolved.leaf.type == "datetime")
        value = self.literal(resolved.leaf, expr.value)
        if expr.op == "LIKE":
            pattern = _like(str(expr.value.value or ""))
            return lambda row: (
                isinstance(v := resolved.get(row, store), str) and bool(pattern.fullmatch(v))
            )
        return _operator(get, expr.op, value)

    def literal(self, leaf: FieldDef, lit: Literal) -> Any:  # noqa: PLR0911 - one case per type
        if lit.kind == "null":
            return None
        kind = leaf.type
        if kind in TEXT_TYPES and lit.kind == "string":
            return str(lit.value).casefold()
        if kind in ID_TYPES and lit.kind == "string":
            full = to18(str(lit.value))
            if full is None:
                raise ApiError(
                    400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}"
                )
            return full
        if kind in NUMERIC_TYPES and lit.kind == "number":
            return float(lit.value)
        if kind == "boolean" and lit.kind == "bool":
            return lit.value
        if kind == "date" and lit.kind in {"date", "dateliteral"}:
            day = lit.value if lit.kind == "date" else self._range(lit.value)[0]
            return day.isoformat()
        if kind == "datetime" and lit.kind == "datetime":
            return format_datetime(lit.value)
        raise self._type_error(leaf, lit)

    def _range(self, literal: tuple[str, int | None]) -> DayRange:
        name, count = literal
        return day_range(name, count, self.today, self.fiscal_start_month)

    def semi_join(self, outer: Resolved, join: SemiJoin) -> set[Any]:
        """The ids the inner query selects (one id or reference field, live rows only)."""
        inner = join.query
        if outer.leaf.type not in ID_TYPES:
            raise located_error(
                "INVALID_FIELD",
                self.query.text,
                join.pos,
                "The left operand of a semi join must be an Id or a reference field",
            )
        if inner.aggregated or inner.count or len(inner.fields) != 1:
            raise located_error(
                "MALFORMED_QUERY",
                self.query.text,
                join.pos,
                "a semi join sub-select selects exactly one Id or reference field",
            )
        sub = plan(inner, self.schema, self.store, self.today, self.fiscal_start_month)
        (selected,) = sub.fields
        if selected.leaf.type not in ID_TYPES:
            raise located_error(
                "INVALID_FIELD",
                self.query.text,
                join.pos,
                "The selected field in a semi join sub-select must be an Id or a reference field",
            )
        rows = sub.rows(self.store, include_deleted=False)
        return {value for row in rows if (value := selected.get(row, self.store)) is not None}

    def _type_error(self, leaf: FieldDef, lit: Literal) -> ApiError:
        expected = {"datetime": "dateTime", "reference": "id"}.get(leaf.type, leaf.type)
        quoted = leaf.type in TEXT_TYPES or leaf.type in ID_TYPES
        message = (
            f"value of filter criterion for field '{leaf.name}' must be of type {expected} "
            f"and should {'' if quoted else 'not '}be enclosed in quotes"
        )
        return located_error("INVALID_FIELD", self.query.text, lit.pos, message)


def _operator(get: Callable[[Row], Any], op: str, value: Any) -> Predicate:
    if op == "=":
        return lambda row: get(row) == value
    if op == "!=":
        return lambda row: get(row) != value
    if value is None:
        return lambda row: False
    compare: dict[str, Callable[[Any], bool]] = {
        "<": lambda v: v < value,
        "<=": lambda v: v <= value,
        ">": lambda v: v > value,
        ">=": lambda v: v >= value,
    }
    test = compare[op]
    return lambda row: (v := get(row)) is not None and test(v)


def _in_days(get: Callable[[Row], Any], op: str, days: DayRange, *, timed: bool) -> Predicate:
    """A date literal against a date or date-time: whole UTC days [start, end); `=` inside,
    `<` before the start, `>` from the end on."""
    first, after = days
    if timed:
        start = format_datetime(datetime.combine(first, time(), UTC))
        end = format_datetime(datetime.combine(after, time(), UTC))
    else:
        start, end = first.isoformat(), after.isoformat()
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda v: start <= v < end,
        "!=": lambda v: not start <= v < end,
        "<": lambda v: v < start,
        "<=": lambda v: v < end,
        ">": lambda v: v >= end,
        ">=": lambda v: v >= start,
    }
    test = tests[op]
    return lambda row: (v := get(row)) is not None and test(v)


def _like(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)
