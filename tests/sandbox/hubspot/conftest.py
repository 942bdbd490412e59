"""Serve a HubSpotSandbox per test and point an unmodified hubspot-api-client at it.

The client gets `retry=Retry(total=0)` so tests see raw errors, never urllib3's retries. The
sandbox's clock is fixed (writes share a millisecond unless a test advances it) and its
ten-second window runs on `FakeMonotonic`, which only moves when a test says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import hubspot
import pytest
from urllib3.util.retry import Retry

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.server import ServedApp, serve_in_thread

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox() -> HubSpotSandbox:
    return HubSpotSandbox(
        seed=3,
        clock=SandboxClock(START),
        ten_second_limit=100_000,
        rate_clock=FakeMonotonic(),
        search_per_second=100_000,  # the search limit has its own test (test_limits.py)
    )


class Switch:
    """One server for the whole session, routed to the current test's sandbox.

    Stopping a Werkzeug server waits out its 0.5 s poll, so a server per test would cost more
    than the tests themselves."""

    def __init__(self) -> None:
        self.target: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.target is not None, "no sandbox is being served"
        return self.target(environ, start_response)


@pytest.fixture(scope="session")
def switch() -> Iterator[tuple[Switch, ServedApp]]:
    router = Switch()
    with serve_in_thread(router) as app:
        yield router, app


@pytest.fixture
def served(sandbox: HubSpotSandbox, switch: tuple[Switch, ServedApp]) -> Iterator[ServedApp]:
    router, app = switch
    router.target = sandbox.wsgi_app
    yield app
    router.target = None


def make_client(
    sandbox: HubSpotSandbox, served: ServedApp, token: str | None = None
) -> hubspot.HubSpot:
    return hubspot.HubSpot(
        access_token=token or sandbox.token, host=served.url, retry=Retry(total=0)
    )


@pytest.fixture
def client(sandbox: HubSpotSandbox, served: ServedApp) -> hubspot.HubSpot:
    return make_client(sandbox, served)


def api_error(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> ApiError:
    """Call the client and return the HubSpot error it raised (status, JSON body, headers)."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        if not hasattr(exc, "status"):
            raise
        raw: Any = exc  # each hubspot.crm.* package has its own ApiException class
        body = json.loads(raw.body) if raw.body else {}
        return ApiError(raw.status, body, dict(raw.headers or {}))
    raise AssertionError(f"{fn} succeeded; an error was expected")


@dataclass
class ApiError:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
