"""An account of every API call a sandbox answered, for tests and benchmarks to read."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class CallKey:
    """One endpoint family: the HTTP method and the route template (ids replaced by names)."""

    method: str
    endpoint: str

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint}"


class CallLedger:
    """Thread-safe counter of calls by (method, endpoint template).

    Reads that use POST (SOQL-free HubSpot search, batch read) are still reads: the sandbox
    says which calls write by passing `write=` when it records one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[CallKey] = Counter()
        self._writes: Counter[CallKey] = Counter()

    def record(self, method: str, endpoint: str, *, write: bool | None = None) -> None:
        key = CallKey(method.upper(), endpoint)
        is_write = key.method in WRITE_METHODS if write is None else write
        with self._lock:
            self._calls[key] += 1
            if is_write:
                self._writes[key] += 1

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._writes.clear()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._calls.values())

    @property
    def writes(self) -> int:
        with self._lock:
            return sum(self._writes.values())

    @property
    def reads(self) -> int:
        return self.total - self.writes

    def count(self, method: str, endpoint: str) -> int:
        with self._lock:
            return self._calls[CallKey(method.upper(), endpoint)]

    def snapshot(self) -> dict[str, int]:
        """Calls by "METHOD /endpoint", sorted, for printing and for asserting in tests."""
        with self._lock:
            return {str(k): v for k, v in sorted(self._calls.items(), key=lambda kv: str(kv[0]))}
