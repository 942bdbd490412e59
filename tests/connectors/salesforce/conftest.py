"""The Salesforce adapter against the sandbox served over HTTPS on loopback.

One HTTPS server per test session (stopping werkzeug costs its 0.5 s poll), one sandbox per
test with a fixed clock; the adapter's back-off sleeps are recorded, never slept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from sync.connectors.salesforce import RetryPolicy, SalesforceAdapter, connect_salesforce
from sync.settings import Settings
from tests.served import CurrentSandbox

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
VERSION = "/services/data/v60.0"
QUERY_ALL = f"{VERSION}/queryAll"
UPSERT_PATH = f"{VERSION}/composite/sobjects/{{sobject}}/{{field}}"
UPDATE_PATH = f"{VERSION}/composite/sobjects"
TOKEN = "/services/oauth2/token"


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def sandbox(clock: SandboxClock, request: pytest.FixtureRequest) -> SalesforceSandbox:
    """Options come from an indirect parametrisation, e.g. {"jwt_public_key": pem}."""
    options: dict[str, Any] = getattr(request, "param", {})
    return SalesforceSandbox(clock=clock, seed=7, **options)


@pytest.fixture
def served(
    sandbox: SalesforceSandbox,
    _server: tuple[ServedApp, CurrentSandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ServedApp]:
    app, current = _server
    assert app.ca_bundle is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(app.ca_bundle))
    current.sandbox = sandbox
    yield app
    current.sandbox = None


@pytest.fixture
def sleeps() -> list[float]:
    """Back-off waits the adapter asked for (tests never really sleep)."""
    return []


def client_credentials(served: ServedApp, sandbox: SalesforceSandbox, **extra: Any) -> Settings:
    return Settings(
        crm="salesforce",
        sf_login_url=served.url,
        sf_client_id=sandbox.client_id,
        sf_client_secret=sandbox.client_secret,
        **extra,
    )


class Wire:
    """What went over the shared session: (method, path, records in the body)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = request.body
        count = 0
        if isinstance(body, bytes) and body.startswith(b"{"):
            count = len(json.loads(body).get("records", []))
        path = urlparse(request.url or "").path
        self.sent.append((str(request.method), path, count))

    def records(self, method: str) -> list[int]:
        return [count for m, _, count in self.sent if m == method]


@pytest.fixture
def wire() -> Wire:
    return Wire()


def connect(
    settings: Settings, sleeps: list[float], wire: Wire | None = None, **policy: Any
) -> SalesforceAdapter:
    session = requests.Session()
    if wire is not None:
        session.hooks["response"].append(wire.hook)
    return connect_salesforce(
        settings, session=session, sleep=sleeps.append, policy=RetryPolicy(**policy)
    )


@pytest.fixture
def adapter(
    served: ServedApp, sandbox: SalesforceSandbox, sleeps: list[float], wire: Wire
) -> SalesforceAdapter:
    """Client credentials against the sandbox, budget at the default half of the allowance."""
    return connect(client_credentials(served, sandbox), sleeps, wire)


def add(sandbox: SalesforceSandbox, sobject: str, **values: Any) -> str:
    """Insert one row through the org's save pipeline without an API call."""
    with sandbox.store.lock:
        return sandbox.writer.create(sandbox.schema.object(sobject), values)


def add_accounts(sandbox: SalesforceSandbox, count: int, prefix: str = "Acme") -> list[str]:
    return [
        add(sandbox, "Account", Name=f"{prefix} {i:05d}", Segment__c="standard")
        for i in range(count)
    ]
