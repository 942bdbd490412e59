"""The sandbox's notion of "now": injectable so tests are deterministic."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Hands out timestamps for writes (SystemModstamp, hs_lastmodifieddate).

    Real CRMs stamp writes with the server time at millisecond precision; several writes in
    the same millisecond share a stamp, which is exactly the tie that keyset paging on
    (timestamp, id) must survive. `now` may be the wall clock (serving) or a fixed start that
    only moves when a test calls `advance` (tests, benchmarks).
    """

    def __init__(
        self, start: datetime | None = None, *, source: Callable[[], datetime] | None = None
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SandboxClock start must be timezone-aware (UTC)")
        self._lock = threading.Lock()
        self._fixed = start
        self._source = source

    @classmethod
    def wall(cls) -> SandboxClock:
        return cls(source=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """Current time truncated to milliseconds, as the CRMs store it."""
        with self._lock:
            current = self._fixed if self._fixed is not None else self._wall()
        return current.replace(microsecond=current.microsecond // 1000 * 1000)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._fixed is None:
                raise RuntimeError("only a fixed sandbox clock can be advanced")
            self._fixed += delta

    def _wall(self) -> datetime:
        if self._source is None:
            raise RuntimeError("SandboxClock needs a start or a source")
        return self._source()
