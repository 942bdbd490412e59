"""Values on the wire <-> canonical values: types, units, transforms, and comparison.

CRMs send everything loosely typed: HubSpot sends every property as a string ("true",
"1200.5", "1767225600000"), Salesforce sends numbers as JSON numbers and datetimes as
"2026-01-01T00:00:00.000+0000". Dates are calendar days in UTC: a HubSpot date property is
midnight UTC, so a datetime is turned into a date *in UTC*, never in the local zone (a
machine at UTC-5 would otherwise read every date a day early).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from mappings.concepts import PER_YEAR, Kind, Unit

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TWELVE = Decimal(12)
_HUNDRED = Decimal(100)
_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})


class CoerceError(ValueError):
    """A CRM value that cannot be the canonical type; the message completes "field X ..."."""


def is_blank(value: object) -> bool:
    """None, an empty or all-space string, or an empty list: the CRM has no value."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value  # a tuple: faster than a union


def to_kind(value: object, kind: Kind) -> object:
    """A non-blank CRM value as the canonical type of `kind` (enums stay text here)."""
    return _BY_KIND[kind](value)


def converter(kind: Kind) -> Callable[[object], object]:
    """The function `to_kind` applies for `kind`, for callers that resolve it once."""
    return _BY_KIND[kind]


def to_text(value: object) -> str:
    """Text as the CRM sent it, trimmed; numbers keep their plain form."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def to_decimal(value: object) -> Decimal:
    """Numbers exactly: floats go through their shortest repr, never binary expansion."""
    if isinstance(value, bool):
        raise CoerceError(f"is `{value}`, not a number")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise CoerceError(f"is `{value}`, not a number") from None


def to_date(value: object) -> date:
    """A calendar day; datetimes and epoch milliseconds are taken in UTC."""
    if isinstance(value, datetime):
        return _utc(value).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-":
        return _parse(date.fromisoformat, text, "a date")
    return to_datetime(value).date()


def to_datetime(value: object) -> datetime:
    """An aware UTC datetime from ISO text (Salesforce `+0000` included) or epoch ms."""
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return _EPOCH + timedelta(milliseconds=int(text))
    return _utc(_parse(datetime.fromisoformat, text, "a date and time"))


def to_bool(value: object) -> bool:
    """Booleans, and the strings HubSpot sends for them ("true"/"false")."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise CoerceError(f"is `{value}`, not true or false")


def _parse(parser: Callable[[str], T], text: str, what: str) -> T:
    try:
        return parser(text)
    except ValueError:
        raise CoerceError(f"is `{text}`, not {what}") from None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_BY_KIND: dict[Kind, Callable[[object], object]] = {
    Kind.ID: to_text,
    Kind.TEXT: to_text,
    Kind.ENUM: to_text,
    Kind.NUMBER: to_decimal,
    Kind.MONEY: to_decimal,
    Kind.RATE: to_decimal,
    Kind.DATE: to_date,
    Kind.DATETIME: to_datetime,
    Kind.BOOL: to_bool,
}


def per_year(unit: Unit, term_months: Decimal | None) -> Decimal | None:
    """How many `unit`s make a year; for `term`, 12 / term months (None if unknown)."""
    if unit is Unit.TERM:
        return None if not term_months else _TWELVE / term_months
    return PER_YEAR[unit]


@dataclass(frozen=True, slots=True)
class Transform:
    """A named edge conversion: `read` on the raw CRM value, `write` on the outgoing one."""

    read: Callable[[object], object]
    write: Callable[[object], object]
    wire: Kind | None = None  # what the CRM field holds, when not the canonical kind


def _same(value: object) -> object:
    return value


def _midnight_utc(value: object) -> object:
    return f"{value.isoformat()}T00:00:00Z" if isinstance(value, date) else value


def _epoch_ms(value: object) -> object:
    if isinstance(value, date):
        return int((to_datetime(value) - _EPOCH).total_seconds() * 1000)
    return value


_ISO_MONTHS = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?", re.IGNORECASE)


def _from_iso_months(value: object) -> object:
    """`P15M` (or `P1Y3M`) -> 15: HubSpot states a line's term as an ISO 8601 period."""
    found = _ISO_MONTHS.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None or not any(found.groups()):
        return value
    years, months = (int(g or 0) for g in found.groups())
    return Decimal(12 * years + months)


def _to_iso_months(value: object) -> object:
    """15 -> `P15M` ("formatted as P#M, where # is the number of months": HubSpot's products
    guide, https://developers.hubspot.com/docs/api/crm/products)."""
    if isinstance(value, int | Decimal) and value == int(value):
        return f"P{int(value)}M"
    return value


def _text(method: Callable[[str], str]) -> Callable[[object], object]:
    return lambda value: method(value) if isinstance(value, str) else value


def _domain(value: object) -> object:
    """`https://www.Example.com/about` -> `example.com`, for matching accounts across CRMs."""
    if not isinstance(value, str):
        return value
    host = value.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    return host.removeprefix("www.")


TRANSFORMS: dict[str, Transform] = {
    "domain": Transform(_domain, _same),
    "trim": Transform(_text(str.strip), _text(str.strip)),
    "lower": Transform(_text(str.lower), _text(str.lower)),
    "upper": Transform(_text(str.upper), _text(str.upper)),
    "percent_from_fraction": Transform(
        lambda v: to_decimal(v) * _HUNDRED, lambda v: to_decimal(v) / _HUNDRED
    ),
    "midnight_utc": Transform(_same, _midnight_utc),
    "epoch_ms": Transform(_same, _epoch_ms),
    "iso_months": Transform(_from_iso_months, _to_iso_months, wire=Kind.TEXT),
}
"""Transforms an admin may name in a field spec (docs/mappings.md, "Transforms")."""


def comparable(value: object) -> object:
    """A value reduced to what matters for "is it already so?": types, formats, zones.

    `300`, `300.0`, "300.00" are equal; "2026-12-31", a date and midnight UTC that day are
    equal; "" and None are equal. Without this, every run would rewrite unchanged fields.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool | date):
        return _day(value) if isinstance(value, datetime) else value
    if isinstance(value, int | float | Decimal):
        return to_decimal(value).normalize()
    if isinstance(value, str):
        return _comparable_text(value.strip())
    return value


@lru_cache(maxsize=8192)
def _comparable_text(text: str) -> object:
    """Cached: the same stages, dates and amounts come back for every record of a run, and
    each text that is not a number used to cost three failed parses (a `str` key, an
    immutable result: a hit is exactly what a parse would give)."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for parse in _parsers(text):
        try:
            parsed = parse(text)
        except (CoerceError, ValueError, IndexError):
            continue
        return _day(parsed) if isinstance(parsed, datetime) else comparable(parsed)
    return text


_NOT_IN_A_NUMBER = re.compile(r"[^0-9+\-._eEiInNfFtTyYaAsS]")
"""A character no `Decimal` text has (digits, sign, point, exponent, `_`, Infinity, NaN)."""


def _parsers(text: str) -> tuple[Callable[[str], object], ...]:
    """The parsers of `_comparable_text` in their order, less those that surely fail.

    Only certain failures are skipped: ASCII text with a character no number has is not a
    number; a date or date-time (`fromisoformat`) starts with four ASCII digits and epoch
    milliseconds are digits, so other text is neither.
    """
    number = not (text.isascii() and _NOT_IN_A_NUMBER.search(text))
    moment = (text[:4].isascii() and text[:4].isdigit()) or text.lstrip("-").isdigit()
    if number and moment:
        return (to_decimal, to_date, to_datetime)
    if moment:
        return (to_date, to_datetime)
    return (to_decimal,) if number else ()


def _day(value: datetime) -> object:
    moment = _utc(value)
    return moment.date() if moment.time() == datetime.min.time() else moment
