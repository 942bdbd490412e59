"""Values on the wire: what HubSpot accepts for each Python type, and its stamps read back.

HubSpot keeps every property value as a string. Per "How should timestamps be formatted for
HubSpot's APIs?" (https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis)
the APIs take UNIX timestamps in milliseconds; a `date` property stores only a date and must
be set to *midnight UTC* of that date (anything else is refused), and is displayed as that
date whatever the account's or the user's time zone. So:

- `date` -> epoch milliseconds of its midnight UTC, computed by day arithmetic from the epoch,
  never through `time.mktime` / a naive `datetime.timestamp()`, which would use the host's
  local zone and move the date by a day west or east of UTC;
- `datetime` -> epoch milliseconds of the instant (a naive one is taken as UTC);
- `Decimal` / numbers -> plain decimal text, never exponent notation (`1E+3` is not a number
  HubSpot accepts), exact to the digits given;
- `bool` -> "true" / "false"; `None` -> "" (an empty string clears a property).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

EPOCH_DAY = date(1970, 1, 1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000


def date_ms(day: date) -> int:
    """Midnight UTC of `day` in epoch milliseconds, independent of the host's time zone."""
    return (day - EPOCH_DAY).days * DAY_MS


def datetime_ms(moment: datetime) -> int:
    """An instant in epoch milliseconds (floored); a naive datetime is taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    delta = aware - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def ceil_ms(moment: datetime) -> int:
    """The first whole millisecond at or after `moment` (inclusive lower bounds)."""
    floored = datetime_ms(moment)
    return floored + 1 if moment.microsecond % 1000 else floored


def wire(value: Any) -> str:
    """The string HubSpot accepts for a property value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return str(datetime_ms(value))
    if isinstance(value, date):
        return str(date_ms(value))
    if isinstance(value, Decimal | float):
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return str(value)


def parse_stamp(text: str) -> datetime:
    """`2026-01-05T09:00:00.000Z` (or epoch ms) as an aware UTC datetime."""
    if text.isdigit():
        return EPOCH + timedelta(milliseconds=int(text))
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
