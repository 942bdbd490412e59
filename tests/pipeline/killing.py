"""Kill the client at one HTTP call: the in-process stand-in for a SIGKILLed sync.

Both CRM clients end in urllib3 (simple-salesforce through requests, hubspot-api-client
directly), so one patch of `HTTPConnectionPool.urlopen` sees every call either makes, one
port call or several (a HubSpot write is a batch call plus its association calls; a
Salesforce upsert of 450 lines is three calls). `before` dies without sending: the CRM
never saw it. `after` dies once the CRM has answered: it committed, the answer is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from urllib3.connectionpool import HTTPConnectionPool

from sync.pipeline.writes import WRITE_THREADS
from tests.pipeline.crashing import SimulatedCrash
from tests.pipeline.salesforce_org import SalesforceOrg, crm_state

_READ_POSTS = ("/search", "/batch/read", "/oauth2/token")


@dataclass(frozen=True)
class HttpCall:
    method: str
    path: str

    @property
    def is_write(self) -> bool:
        """A call that changes the CRM (HubSpot's search and batch reads are POSTs too)."""
        if self.method == "GET":
            return False
        return not (self.method == "POST" and self.path.endswith(_READ_POSTS))


@dataclass
class HttpKiller:
    """Counts the HTTP calls of the test's thread (and of the service's write threads, which
    carry its calls in flight at once) and dies at call number `at`. With several calls in
    flight the numbering follows the order they leave in, which may differ between runs:
    the kill still lands on one call of the same wave, and the other calls of the wave go on,
    as they would in a process killed while its threads wait on the network."""

    at: int | None = None
    after: bool = False
    calls: list[HttpCall] = field(default_factory=list)
    _depth: threading.local = field(default_factory=threading.local)
    _numbering: threading.Lock = field(default_factory=threading.Lock)

    def write_indexes(self) -> list[int]:
        """1-based numbers of the calls that were writes."""
        return [n for n, call in enumerate(self.calls, start=1) if call.is_write]


@contextmanager
def killing(killer: HttpKiller) -> Iterator[HttpKiller]:
    original = HTTPConnectionPool.urlopen
    owner = threading.get_ident()

    def urlopen(pool: HTTPConnectionPool, method: str, url: str, *args: Any, **kw: Any) -> Any:
        nested = getattr(killer._depth, "value", 0)
        ours = threading.get_ident() == owner or threading.current_thread().name.startswith(
            WRITE_THREADS
        )
        if not ours or nested:  # urllib3's own retries recurse
            return original(pool, method, url, *args, **kw)
        with killer._numbering:
            killer.calls.append(HttpCall(method.upper(), urlsplit(url).path))
            number = len(killer.calls)
        if number == killer.at and not killer.after:
            raise SimulatedCrash(f"killed before HTTP call {number} {method} {url}")
        killer._depth.value = 1
        try:
            response = original(pool, method, url, *args, **kw)
        finally:
            killer._depth.value = 0
        if number == killer.at:
            raise SimulatedCrash(f"killed after HTTP call {number} {method} {url}")
        return response

    HTTPConnectionPool.urlopen = urlopen  # type: ignore[method-assign,assignment]
    try:
        yield killer
    finally:
        HTTPConnectionPool.urlopen = original  # type: ignore[method-assign]


def killed_then_recovered(
    org: SalesforceOrg, call: int, *, after: bool, expected: dict[str, Any], **settings: Any
) -> None:
    """Kill `org`'s run at HTTP call `call` (before the org saw it, or `after` it committed),
    then run again: two more runs at most reach `expected`, the clean run's CRM state, and
    a rerun after that writes nothing."""
    point = f"killed {'after' if after else 'before'} call {call}"
    with killing(HttpKiller(call, after)), pytest.raises(SimulatedCrash):
        org.run(**settings)
    for _ in range(2):
        assert org.run(**settings).status == "succeeded", point
        if crm_state(org.sandbox) == expected:
            break
    assert crm_state(org.sandbox) == expected, point
    org.reset_ledger()
    org.run(**settings)
    assert org.writes() == 0, point
