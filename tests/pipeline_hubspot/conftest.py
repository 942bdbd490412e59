"""HubSpot pipeline scenarios: one plain-HTTP server per session, a fresh portal per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.server import ServedApp, serve_in_thread
from sync.state import StateStore
from tests.db_fixtures import DbTarget
from tests.pipeline_hubspot.harness import NO_WINDOW, TODAY, FakeTime, Harness

MakeHarness = Callable[..., Harness]


class _Current:
    """The session's one server answers for whichever test's portal is current."""

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


def new_sandbox(
    deals: int = 60, seed: int = 11, *, rate_clock: FakeTime | None = None, **options: Any
) -> HubSpotSandbox:
    """A portal at TODAY 08:00 UTC holding `deals` generated deals; no rate limit by default."""
    clock = SandboxClock(datetime.combine(TODAY, time(8, 0), tzinfo=UTC))
    options.setdefault("ten_second_limit", NO_WINDOW)
    if rate_clock is not None:
        options["rate_clock"] = rate_clock.monotonic
    sandbox = HubSpotSandbox(seed=seed, clock=clock, **options)
    if deals:
        sandbox.load(generate(deals, seed=seed, today=TODAY))
    return sandbox


@pytest.fixture
def make_harness(
    _server: tuple[ServedApp, _Current], tmp_path: Any, fake_time: FakeTime
) -> Iterator[MakeHarness]:
    """Build a harness around a portal; the last one built is the one being served."""
    app, current = _server
    stores: list[StateStore] = []

    def build(sandbox: HubSpotSandbox, target: DbTarget | None = None) -> Harness:
        store = target.open_store() if target else _sqlite(tmp_path, len(stores))
        stores.append(store)
        current.sandbox = sandbox
        return Harness(sandbox, app, store, fake_time)

    yield build
    current.sandbox = None
    for store in stores:
        store.close()


def _sqlite(tmp_path: Any, index: int) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path}/state-{index}.db")
