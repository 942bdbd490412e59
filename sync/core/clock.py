"""The one way the service reads the time: a `Clock` passed in, `utc_now` by default.

Every component that needs "now" (the run, the daemon's schedule, the heartbeat, the lock
lease) takes a clock argument, so a test freezes or advances time and passes on any date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, as an aware UTC datetime (the production clock)."""
    return datetime.now(UTC)
