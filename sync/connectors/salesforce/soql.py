"""SOQL for keyset-paged pulls, built with `simple_salesforce.format_soql` only.

Values (the resume Id, the time bounds) go through `format_soql`, which quotes and escapes
them. Names cannot be quoted in SOQL, so object and field names from the mapping are checked
against a strict API-name pattern before they reach a query or a URL path; a mapping filter
(raw SOQL an admin wrote) is checked to keep its parentheses balanced so that it cannot
escape the group it is ANDed in.

Vendor and library quirks:

- `format_soql` drops the fraction of a second from datetimes ("without MS"), but
  SystemModstamp has millisecond precision and several writes share a stamp: resuming after
  `10:00:00` instead of `10:00:00.500` would repeat rows. Datetimes are therefore rendered
  here at millisecond precision in UTC (`2026-11-21T10:00:00.500Z`) and passed as
  `{:literal}`. The documented dateTime formats are `YYYY-MM-DDThh:mm:ssZ` and offsets
  (https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.md);
  fractional seconds are accepted by the API in practice.
- The page asks for one row more than a batch (`LIMIT 2001`): the server answers with a full
  batch of 2,000 and `done: false` when more rows follow, and `done: true` otherwise, so the
  pull stops without the empty extra query that `LIMIT 2000` costs when the row count is a
  multiple of 2,000 (calls = ceil(rows / 2,000), the minimum).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from simple_salesforce import format_soql

from sync.core.ports import Position

BATCH_SIZE = 2000  # the REST API's default and largest query batch
PAGE_LIMIT = BATCH_SIZE + 1
SYSTEM_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
MAX_RELATIONSHIP_HOPS = 5  # SOQL allows five levels of child-to-parent relationships

# API names: a letter, then letters, digits and underscores, never three in a row
# (Name, Custom__c, ns__Custom__c, Parent__r); nothing that could end a name in SOQL.
_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_{2}))*")


class InvalidNameError(ValueError):
    """A name or filter from the mapping that is never sent; `code` is a sync.core.failures key."""

    def __init__(self, code: str, name: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.name = name


def check_object(name: str) -> str:
    """The object name, if it is a plain API name (it goes into SOQL and URL paths)."""
    if not _NAME.fullmatch(name) or name.endswith("_"):
        raise InvalidNameError(
            "INVALID_TYPE", None, f"{name!r} is not a Salesforce object API name"
        )
    return name


def check_field(path: str) -> str:
    """The field name or parent path (`Account.Owner.Email`), if every part is an API name."""
    parts = path.split(".")
    if len(parts) > MAX_RELATIONSHIP_HOPS + 1 or not all(
        _NAME.fullmatch(part) and not part.endswith("_") for part in parts
    ):
        raise InvalidNameError(
            "INVALID_FIELD", path, f"{path!r} is not a Salesforce field API name or parent path"
        )
    return path


def check_where(where: str) -> str:
    """A mapping filter whose parentheses balance outside string literals."""
    depth, quoted, escaped = 0, False, False
    for char in where:
        if escaped:
            escaped = False
        elif quoted:
            escaped, quoted = char == "\\", char != "'"
        elif char == "'":
            quoted = True
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                break
    if depth != 0 or quoted:
        raise InvalidNameError(
            "MALFORMED_QUERY", None, f"the filter {where!r} has unbalanced parentheses or quotes"
        )
    return where


def soql_datetime(moment: datetime) -> str:
    """A dateTime literal in UTC with milliseconds (format_soql would drop them)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} is naive; positions and bounds must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def select_list(fields: Iterable[str]) -> list[str]:
    """Id, SystemModstamp, IsDeleted, then the requested fields, each once (names ignore case)."""
    chosen: dict[str, str] = {}
    for name in (*SYSTEM_FIELDS, *fields):
        chosen.setdefault(check_field(name).lower(), name)
    return list(chosen.values())


def pull_query(
    object_name: str,
    fields: Iterable[str],
    *,
    where: str | None,
    after: Position | None,
    until: datetime,
    require_field: str | None = None,
) -> str:
    """One page: rows in (SystemModstamp, Id) order strictly after `after`, up to `until`.

    `after` None means from the beginning (a full pull); a position with an empty record id
    means "from this stamp, inclusive" (how the caller applies its lookback).
    """
    return format_soql(
        "SELECT {fields:literal} FROM {object:literal} WHERE {where:literal} "
        "ORDER BY SystemModstamp, Id LIMIT {limit}",
        fields=", ".join(select_list(fields)),
        object=check_object(object_name),
        where=pull_where(where, after, until, require_field),
        limit=PAGE_LIMIT,
    )


def bulk_query(
    object_name: str,
    fields: Iterable[str],
    *,
    where: str | None,
    until: datetime,
    require_field: str | None = None,
    count: bool = False,
) -> str:
    """A complete read for a Bulk API 2.0 job (no ORDER BY or LIMIT, which Bulk refuses or
    pays for), or its COUNT() to decide whether the read is large enough for Bulk."""
    return format_soql(
        "SELECT {fields:literal} FROM {object:literal} WHERE {where:literal}",
        fields="COUNT()" if count else ", ".join(select_list(fields)),
        object=check_object(object_name),
        where=pull_where(where, None, until, require_field),
    )


def pull_where(
    where: str | None, after: Position | None, until: datetime, require_field: str | None
) -> str:
    """The WHERE of a pull: up to `until`, the mapping's filter, after `after`."""
    clauses = [format_soql("SystemModstamp <= {:literal}", soql_datetime(until))]
    if where and where.strip():
        clauses.append(format_soql("({:literal})", check_where(where)))
    if require_field:
        clauses.append(format_soql("{:literal} != null", check_field(require_field)))
    if after is not None and not after.record_id:
        clauses.append(format_soql("SystemModstamp >= {:literal}", soql_datetime(after.modstamp)))
    elif after is not None:
        clauses.append(
            format_soql(
                "(SystemModstamp > {ts:literal} OR (SystemModstamp = {ts:literal} AND Id > {id}))",
                ts=soql_datetime(after.modstamp),
                id=after.record_id,
            )
        )
    return " AND ".join(clauses)
