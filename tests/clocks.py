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


class FakeTime:
    """Monotonic seconds that only move when someone sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
