"""The HubSpot adapter against the sandbox served over plain HTTP on loopback.

One server per test session (stopping werkzeug costs its 0.5 s poll), one sandbox per test
with a fixed clock. One fake clock serves both sides: the sandbox's ten-second window and the
adapter's limiter read it, and the adapter's `sleep` moves it, so waits are recorded and
honoured without ever sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.hubspot.associations import TYPES
from crm_sandbox.server import ServedApp, serve_in_thread
from sync.connectors.hubspot import HubSpotAdapter, RetryPolicy, connect_hubspot
from sync.settings import Settings
from tests.clocks import FakeTime

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEARCH = "/crm/v3/objects/{objectType}/search"
UPSERT = "/crm/v3/objects/{objectType}/batch/upsert"
UPDATE = "/crm/v3/objects/{objectType}/batch/update"
ARCHIVE = "/crm/v3/objects/{objectType}/batch/archive"
LIST = "/crm/v3/objects/{objectType}"
OWNERS = "/crm/v3/owners/"
ASSOC_READ = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
ASSOC_CREATE = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create"
KEY = "renewal_sync_key"


class _Current:
    """The session's one server answers for whichever test's sandbox is current."""

    sandbox: HubSpotSandbox | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.sandbox is not None, "no sandbox is being served"
        return self.sandbox.wsgi_app(environ, start_response)


@pytest.fixture(scope="session")
def _server() -> Iterator[tuple[ServedApp, _Current]]:
    current = _Current()
    with serve_in_thread(current) as app:
        yield app, current


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def sandbox(
    clock: SandboxClock, fake_time: FakeTime, request: pytest.FixtureRequest
) -> HubSpotSandbox:
    """Options come from an indirect parametrisation, e.g. {"ten_second_limit": 10}."""
    options: dict[str, Any] = {"ten_second_limit": 100_000, **getattr(request, "param", {})}
    return HubSpotSandbox(seed=7, clock=clock, rate_clock=fake_time.monotonic, **options)


@pytest.fixture
def served(sandbox: HubSpotSandbox, _server: tuple[ServedApp, _Current]) -> Iterator[ServedApp]:
    app, current = _server
    current.sandbox = sandbox
    yield app
    current.sandbox = None


def settings_for(served: ServedApp, token: str, **extra: Any) -> Settings:
    return Settings(crm="hubspot", hubspot_access_token=token, hubspot_api_host=served.url, **extra)


def connect(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime, **extra: Any
) -> HubSpotAdapter:
    policy = RetryPolicy(**extra.pop("policy", {}))
    return connect_hubspot(
        settings_for(served, extra.pop("token", sandbox.token), **extra),
        sleep=fake_time.sleep,
        monotonic=fake_time.monotonic,
        policy=policy,
    )


@pytest.fixture
def adapter(served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime) -> HubSpotAdapter:
    """The adapter logged in to the sandbox; its token check is not in the counts."""
    built = connect(served, sandbox, fake_time, hubspot_ten_second_limit=100_000)
    sandbox.ledger.reset()
    built.door.calls = 0
    return built


def add(sandbox: HubSpotSandbox, object_type: str, **props: Any) -> str:
    """Store one record as HubSpot would, stamped by the sandbox clock, without an API call."""
    store = sandbox.portal.stores[object_type]
    with sandbox.portal.lock:
        values = {k: str(v) for k, v in props.items()}
        return str(store.insert(values, sandbox.clock.now()).id)


def add_many(sandbox: HubSpotSandbox, object_type: str, count: int, **props: Any) -> list[str]:
    return [add(sandbox, object_type, name=f"R{i:05d}", **props) for i in range(count)]


def link(sandbox: HubSpotSandbox, from_type: str, from_id: str, type_id: int, to_id: str) -> None:
    with sandbox.portal.lock:
        sandbox.state.associations.add(TYPES[(from_type, type_id)], int(from_id), int(to_id))
