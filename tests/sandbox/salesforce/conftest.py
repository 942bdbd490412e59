"""Serve a SalesforceSandbox over HTTPS on loopback and hand tests an unmodified client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from simple_salesforce import Salesforce

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.ids import IdFactory
from crm_sandbox.server import ServedApp
from tests.served import CurrentSandbox

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

# simple-salesforce's annotations type `sf.<Object>` as a union with its bulk handlers and
# `restful()` as Optional; the tests read answers as the JSON they are.
Client = Any


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def sandbox(clock: SandboxClock) -> SalesforceSandbox:
    return SalesforceSandbox(clock=clock, seed=7)


@pytest.fixture
def served(
    sandbox: SalesforceSandbox,
    _server: tuple[ServedApp, CurrentSandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ServedApp]:
    """The sandbox served over HTTPS; REQUESTS_CA_BUNDLE trusts the loopback certificate."""
    app, current = _server
    assert app.ca_bundle is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(app.ca_bundle))
    current.sandbox = sandbox
    yield app
    current.sandbox = None


@pytest.fixture
def sf(sandbox: SalesforceSandbox, served: ServedApp) -> Client:
    """A plain simple-salesforce client, exactly as a user would build it from the exports."""
    return Salesforce(instance_url=served.url, session_id=sandbox.issue_token(), version="60.0")


def add(sandbox: SalesforceSandbox, sobject: str, **values: Any) -> str:
    """Insert one row through the org's save pipeline without an API call."""
    with sandbox.store.lock:
        return sandbox.writer.create(sandbox.schema.object(sobject), values)


def add_accounts(sandbox: SalesforceSandbox, count: int, prefix: str = "Acme") -> list[str]:
    return [
        add(sandbox, "Account", Name=f"{prefix} {i:05d}", Segment__c="standard")
        for i in range(count)
    ]


def unused_id(prefix: str) -> str:
    """A well-formed 18-character id (valid checksum) that no row has."""
    return IdFactory(10**9).new(prefix)


def content(caught: pytest.ExceptionInfo[Any]) -> Any:
    """The parsed JSON error body simple-salesforce attached to its exception."""
    return caught.value.content
