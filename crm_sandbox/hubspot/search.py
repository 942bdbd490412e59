"""POST /crm/v3/objects/{object_type}/search: filter groups, one sort, 200 a page, 10,000 at most.

Limits from https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm and the
changelog "Expanded Filtering Capabilities and Error Messaging in HubSpot's Search API" (2024):
up to 5 filterGroups (OR), up to 10 filters in a group (AND), 25 filters in all, one sort,
`limit` up to 200, and at most 10,000 results for one query - `total` still counts them all, and
asking for a page past the 10,000th answers 400 (the AWS Glue HubSpot connector notes record the
same 400). Filters compare by the property's type: numbers numerically, date/datetime by instant
(epoch-ms or ISO values), strings case-insensitively. Results sort by the requested property
(missing values last) then by id; with no sort, by id. Responses carry no rate-limit headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_sandbox.hubspot.context import ApiRequest, Reply, State, property_names
from crm_sandbox.hubspot.errors import validation
from crm_sandbox.hubspot.schema import ObjectSchema, parse_moment
from crm_sandbox.hubspot.store import ObjectStore, Record

MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
MAX_LIMIT, MAX_RESULTS = 200, 10_000
OPERATORS = frozenset(
    {
        *("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN"),
        *("HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"),
    }
)

Key = Any


def search(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.store(object_type)
    body = req.json_object()
    limit, after = _paging(body)
    groups = _groups(store.schema, body.get("filterGroups") or [])
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise validation("Only one sort is allowed in a search request")
    ids = _matching_ids(state, store, groups, sorts, body.get("query"))
    if after >= MAX_RESULTS:
        raise validation(
            f"Cannot page past the first {MAX_RESULTS} results of a search (after={after}); "
            "narrow the query instead",
            context={"after": [str(after)], "limit": [str(MAX_RESULTS)]},
        )
    names = property_names(store.schema, body.get("properties") or None)
    page = ids[after : after + limit]
    result: dict[str, Any] = {
        "total": len(ids),
        "results": [store.records[i].to_json(names) for i in page],
    }
    if after + limit < len(ids):
        result["paging"] = {"next": {"after": str(after + limit)}}
    return Reply(200, result, is_search=True)


def _paging(body: dict[str, Any]) -> tuple[int, int]:
    try:
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise validation("limit and after must be integers") from None
    if not 0 < limit <= MAX_LIMIT:
        raise validation(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit, after


def _groups(obj: ObjectSchema, groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    if len(groups) > MAX_GROUPS:
        raise validation(f"Too many filter groups: {len(groups)}, the maximum is {MAX_GROUPS}")
    parsed = [list(g.get("filters") or []) for g in groups]
    if any(len(g) > MAX_FILTERS_PER_GROUP for g in parsed):
        raise validation(f"A filter group may hold at most {MAX_FILTERS_PER_GROUP} filters")
    if sum(len(g) for g in parsed) > MAX_FILTERS:
        raise validation(f"A search may hold at most {MAX_FILTERS} filters in all")
    for group in parsed:
        for flt in group:
            if flt.get("operator") not in OPERATORS:
                raise validation(f"Unknown filter operator {flt.get('operator')!r}")
            if obj.get(str(flt.get("propertyName"))) is None:
                raise validation(f"There is no property {flt.get('property_name')} on {obj.name}")
    return parsed


def _matching_ids(
    state: State,
    store: ObjectStore,
    groups: list[list[dict[str, Any]]],
    sorts: list[dict[str, Any]],
    query: Any,
) -> list[int]:
    """Sorted ids of the matches, cached per store version so paging does not re-filter."""
    key = json.dumps([store.schema.name, groups, sorts, query], sort_keys=True, default=str)
    cache: dict[str, tuple[int, list[int]]] = state.search_cache
    lag = state.search_lag
    hit = cache.get(key)
    if hit is not None and hit[0] == store.version and not lag:
        return hit[1]
    predicate = _predicate(store.schema, groups, query)
    indexed = state.clock.now() - lag
    matches = [r for r in store.live() if predicate(r) and (not lag or r.updated_at <= indexed)]
    matches.sort(key=_sort_key(store.schema, sorts))
    ids = [r.id for r in matches]
    if len(cache) > 64:
        cache.clear()
    cache[key] = (store.version, ids)
    return ids


def _predicate(
    obj: ObjectSchema, groups: list[list[dict[str, Any]]], query: Any
) -> Callable[[Record], bool]:
    tests = [[_filter(obj, f) for f in group] for group in groups]
    needle = str(query).lower() if query else None

    def matches(record: Record) -> bool:
        if needle and not any(needle in v.lower() for v in record.props.values()):
            return False
        return not tests or any(all(t(record) for t in group) for group in tests)

    return matches


def _filter(obj: ObjectSchema, flt: dict[str, Any]) -> Callable[[Record], bool]:
    name, op = str(flt["propertyName"]), str(flt["operator"])
    prop = obj.properties[name]
    conv = _converter(prop.type if name != "hs_object_id" else "number")
    if op in {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}:
        present = op == "HAS_PROPERTY"
        return lambda r: (name in r.props) == present
    if op in {"IN", "NOT_IN"}:
        wanted = {conv(str(v)) for v in flt.get("values") or []}
        inside = op == "IN"
        return lambda r: name in r.props and (conv(r.props[name]) in wanted) == inside
    if op in {"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}:
        pattern = _token_pattern(str(flt.get("value", "")))
        contains = op == "CONTAINS_TOKEN"
        return lambda r: (name in r.props and bool(pattern.search(r.props[name]))) == contains
    return _comparison(name, op, conv, flt)


def _comparison(
    name: str, op: str, conv: Callable[[str], Key], flt: dict[str, Any]
) -> Callable[[Record], bool]:
    if op == "BETWEEN":
        low, high = conv(str(flt.get("value"))), conv(str(flt.get("highValue")))
        return lambda r: name in r.props and low <= conv(r.props[name]) <= high
    target = conv(str(flt.get("value")))
    compare = _COMPARE[op]
    if op == "NEQ":
        return lambda r: name not in r.props or compare(conv(r.props[name]), target)
    return lambda r: name in r.props and compare(conv(r.props[name]), target)


_COMPARE: dict[str, Callable[[Key, Key], bool]] = {
    "EQ": lambda a, b: a == b,
    "NEQ": lambda a, b: a != b,
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
}


def _converter(kind: str) -> Callable[[str], Key]:
    if kind == "number":
        return _as_number
    if kind in {"date", "datetime"}:
        return _as_instant
    return lambda text: text.lower()


def _as_number(text: str) -> Key:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise validation(f"{text} is not a valid number for this filter") from None


def _as_instant(text: str) -> Key:
    moment = parse_moment(text)
    if moment is None:
        raise validation(f"{text} is not a valid date for this filter")
    return moment


def _token_pattern(value: str) -> re.Pattern[str]:
    """CONTAINS_TOKEN matches whole words; `*` is a wildcard inside a token."""
    token = ".*".join(re.escape(part) for part in value.split("*"))
    return re.compile(rf"(?<![\w]){token}(?![\w])", re.IGNORECASE)


def _sort_key(obj: ObjectSchema, sorts: list[dict[str, Any]]) -> Callable[[Record], Any]:
    if not sorts:
        return lambda r: r.id
    name = str(sorts[0].get("propertyName"))
    descending = str(sorts[0].get("direction", "ASCENDING")).upper() == "DESCENDING"
    prop = obj.get(name)
    conv = _converter("number" if name == "hs_object_id" else prop.type if prop else "string")

    def key(record: Record) -> Any:
        raw = record.props.get(name)
        if raw is None:
            return (1, 0, record.id)
        value = conv(raw)
        return (0, _Desc(value) if descending else value, record.id)

    return key


class _Desc:
    """Inverts ordering of one value so ties still break by ascending id."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)
