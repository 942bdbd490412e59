"""Pipeline scenarios run against one HTTPS sandbox server per session (a fresh org per test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from sync.state import StateStore
from tests.db_fixtures import DbTarget
from tests.pipeline.harness import TODAY, Harness
from tests.served import CurrentSandbox


def new_sandbox(opportunities: int = 60, seed: int = 11, **options: Any) -> SalesforceSandbox:
    clock = SandboxClock(datetime.combine(TODAY, time(8, 0), tzinfo=UTC))
    sandbox = SalesforceSandbox(clock=clock, seed=seed, **options)
    if opportunities:
        sandbox.load(generate(opportunities, seed=seed, today=TODAY))
    return sandbox


@pytest.fixture
def make_harness(
    _server: tuple[ServedApp, CurrentSandbox], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Build a harness around a sandbox; the last one built is the one being served."""
    app, current = _server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(app.ca_bundle))
    stores: list[StateStore] = []

    def build(sandbox: SalesforceSandbox, target: DbTarget | None = None) -> Harness:
        store = target.open_store() if target else _sqlite(tmp_path, len(stores))
        stores.append(store)
        current.sandbox = sandbox
        return Harness(sandbox, app, store)

    yield build
    current.sandbox = None
    for store in stores:
        store.close()


def _sqlite(tmp_path: Any, index: int) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path}/state-{index}.db")
