"""A clock a test moves by hand: what every component that reads time is given in tests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class ManualClock:
    """Returns the same instant until `advance` moves it (thread-safe: the daemon polls it)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self._now += by
