"""Column types and value helpers shared by every table of the state store.

The store promises timezone-aware UTC datetimes in its API on both back ends. PostgreSQL has
``timestamptz``; SQLite has no time zone at all, so :class:`UTCDateTime` stores naive UTC text
there and re-attaches UTC on the way out. Naive datetimes are rejected on the way in: a naive
value is almost always local wall-clock time by mistake, and silently treating it as UTC would
shift cursors by hours.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

Clock = Callable[[], datetime]
"""Returns "now" as an aware UTC datetime; injected so tests run on fixed times."""

JSONDoc: TypeEngine[Any] = JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL (compact, comparable, indexable later)."""


def utc_now() -> datetime:
    """The one place the store reads the wall clock: the default :data:`Clock`."""
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; refuse naive datetimes instead of guessing their zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"naive datetime {value!r}: pass a timezone-aware (UTC) datetime"
        raise ValueError(msg)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (naive UTC text on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; SQLite gets the naive UTC value because it ignores zones."""
        if value is None:
            return None
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Re-attach UTC to SQLite's naive values; convert PostgreSQL's session zone to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalize(value: Any) -> Any:
    """The canonical JSON form of a payload value, so equal values compare and hash equal.

    Numbers that are whole become ints (a CRM returns 22500.0 for the 22500 we sent),
    Decimal becomes a number, dates ISO text, datetimes UTC ISO text, sets sorted lists.
    Anything else unknown is refused rather than stringified.

    Every pulled record goes through here on its way into the mirror, so the exact JSON
    types (str, int, bool, None, dict, list) are dispatched on `type()` first; subclasses
    and everything else take the general path, which decides exactly as before.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return _plain_dict(value)
    if kind is list:
        return [item if type(item) in _PLAIN else normalize(item) for item in value]
    if kind is float:
        return _number(value)
    return _general(value)


_PLAIN = frozenset({str, int, bool, type(None)})
"""Exact types that are already their own canonical JSON form."""


def _plain_dict(value: dict[Any, Any]) -> dict[str, Any]:
    return {
        (key if type(key) is str else str(key)): (item if type(item) in _PLAIN else normalize(item))
        for key, item in value.items()
    }


def _general(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): normalize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((normalize(item) for item in value), key=repr)
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return _number(value)
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    msg = f"cannot store {type(value).__name__} in a JSON payload"
    raise TypeError(msg)


def _number(value: float | Decimal) -> int | float | str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value):
        return int(value)
    return float(value)


def to_jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as stored: :func:`normalize` applied, so reads compare equal to writes."""
    result: dict[str, Any] = normalize(payload)
    return result


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Key-sorted, compact JSON of the normalised payload: equal payloads, equal text."""
    return json.dumps(
        to_jsonable(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON: the cheap "did anything change?" test for writes."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
