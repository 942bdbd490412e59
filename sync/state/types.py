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


def _json_default(value: object) -> object:
    """Encode the few non-JSON values CRM payloads carry, deterministically."""
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    msg = f"cannot store {type(value).__name__} in a JSON payload"
    raise TypeError(msg)


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Key-sorted, compact JSON: equal payloads give equal text whatever their key order."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def to_jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as stored (Decimal -> float, date -> ISO text), so reads compare equal."""
    result: dict[str, Any] = json.loads(canonical_json(payload))
    return result


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON: the cheap "did anything change?" test for writes."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
