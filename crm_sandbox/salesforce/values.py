"""How field values are stored, read from JSON bodies and written back.

Stored values are already in wire form, so a query answer needs no conversion: text as str,
numbers as int/float, checkboxes as bool, dates as "2026-01-31" and date-times as Salesforce
prints them, "2026-11-21T10:00:00.000+0000" (always UTC, milliseconds, no colon in the
offset). Both ISO strings sort in time order, which SOQL comparisons rely on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm_sandbox.salesforce.errors import ApiError, RecordFailure
from crm_sandbox.salesforce.ids import to18
from crm_sandbox.salesforce.schema import FieldDef


def format_datetime(moment: datetime) -> str:
    """Salesforce's JSON date-time: `2026-11-21T10:00:00.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """Accept what clients send: Z, +00:00 or +0000 offsets, with or without milliseconds."""
    value = text.strip().replace("Z", "+00:00")
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = f"{value[:-2]}:{value[-2:]}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def to_wire(kind: str, value: Any) -> Any:
    """Convert a Python value (from the loader or a test) to its stored wire form."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if kind == "int" else float(value)
    return value


def coerce(field: FieldDef, value: Any) -> Any:
    """Validate and convert one JSON value for `field`.

    A value of the wrong JSON type fails the whole request with JSON_PARSER_ERROR, as the
    real deserializer does; a malformed lookup id fails only its record (MALFORMED_ID).
    """
    if value is None or (value == "" and field.type != "string"):
        return False if field.type == "boolean" else None
    try:
        return _COERCE[field.type](field, value)
    except (ValueError, TypeError, KeyError):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {field.type} from {type(value).__name__.upper()} "
            f"value {value} or request may be missing a required field",
        ) from None


def _text(field: FieldDef, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(value)
    return str(value)


def _reference(field: FieldDef, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    full = to18(value)
    if full is None:
        raise RecordFailure(
            "MALFORMED_ID", f"{field.label}: id value of incorrect type: {value}", (field.name,)
        )
    return full


def _number(field: FieldDef, value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError(value)
    number = float(value)
    return int(number) if field.type == "int" else number


def _boolean(field: FieldDef, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise TypeError(value)


def _date(field: FieldDef, value: Any) -> str:
    return date.fromisoformat(str(value)[:10]).isoformat()


def _datetime(field: FieldDef, value: Any) -> str:
    return format_datetime(parse_datetime(str(value)))


_COERCE = {
    "string": _text,
    "textarea": _text,
    "email": _text,
    "url": _text,
    "picklist": _text,
    "id": _reference,
    "reference": _reference,
    "currency": _number,
    "double": _number,
    "percent": _number,
    "int": _number,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
}
