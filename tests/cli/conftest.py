"""CLI commands against the Salesforce sandbox served over HTTPS on loopback.

One server per session answers for whichever test's sandbox is current; each test gets a
fresh org with a fixed clock and its own SQLite state file. Settings reach the commands the
way an operator gives them: through environment variables.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner, Result

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from sync.cli.main import app
from tests.served import CurrentSandbox

TODAY = date(2026, 11, 21)
START = datetime.combine(TODAY, time(8, 0), tzinfo=UTC)
_UNSET = (
    "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_PRIVATE_KEY_FILE", "RENEWAL_SYNC_MAPPING_FILE",
    "RENEWAL_SYNC_CRM", "RENEWAL_SYNC_CONFIG", "RENEWAL_SYNC_SECRETS_DIR",
)  # fmt: skip


def new_sandbox(opportunities: int = 0, **options: Any) -> SalesforceSandbox:
    """A fresh org at 08:00 on TODAY; with generated data when `opportunities` > 0."""
    sandbox = SalesforceSandbox(clock=SandboxClock(START), seed=3, **options)
    if opportunities:
        sandbox.load(generate(opportunities, seed=3, today=TODAY))
    return sandbox


@pytest.fixture
def sandbox() -> SalesforceSandbox:
    return new_sandbox()


@pytest.fixture
def serve(
    _server: tuple[ServedApp, CurrentSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """`serve(sandbox)` makes it the org the commands talk to, through the environment."""
    app, current = _server
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(app.ca_bundle))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("RENEWAL_SYNC_TODAY", TODAY.isoformat())
    monkeypatch.setenv("RENEWAL_SYNC_LOG_LEVEL", "WARNING")

    def start(sandbox: SalesforceSandbox) -> SalesforceSandbox:
        current.sandbox = sandbox
        monkeypatch.setenv("SF_INSTANCE_URL", app.url)
        monkeypatch.setenv("SF_LOGIN_URL", app.url)
        monkeypatch.setenv("SF_CLIENT_ID", sandbox.client_id)
        monkeypatch.setenv("SF_CLIENT_SECRET", sandbox.client_secret)
        return sandbox

    yield start
    current.sandbox = None


@pytest.fixture
def served(serve: Any, sandbox: SalesforceSandbox) -> SalesforceSandbox:
    """The empty org (describe only), served."""
    result: SalesforceSandbox = serve(sandbox)
    return result


def process_env(app: ServedApp, sandbox: SalesforceSandbox, database: str) -> dict[str, str]:
    """The environment a `renewal-sync` process needs to sync the served org into `database`
    (the settings a test runner may have set for itself are taken out)."""
    env = {
        **os.environ,
        "RENEWAL_SYNC_CRM": "salesforce",
        "SF_INSTANCE_URL": app.url,
        "SF_LOGIN_URL": app.url,
        "SF_CLIENT_ID": sandbox.client_id,
        "SF_CLIENT_SECRET": sandbox.client_secret,
        "REQUESTS_CA_BUNDLE": str(app.ca_bundle),
        "DATABASE_URL": database,
        "RENEWAL_SYNC_TODAY": TODAY.isoformat(),
    }
    for name in (
        "SF_ACCESS_TOKEN",
        "SF_USERNAME",
        "RENEWAL_SYNC_MAPPING_FILE",
        "RENEWAL_SYNC_CONFIG",
    ):
        env.pop(name, None)
    return env


def invoke(*args: str) -> Result:
    """Run `renewal-sync ARGS` in-process.

    The command points structlog at the runner's captured stderr, which closes with the
    runner: the default configuration is restored so later code logs somewhere that exists.
    """
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        structlog.reset_defaults()


def tick(sandbox: SalesforceSandbox) -> None:
    """Move the org's clock on, so each run's writes carry a later stamp than the last."""
    sandbox.clock.advance(timedelta(seconds=1))


@dataclass
class Webhook:
    """An HTTP receiver on loopback that keeps every JSON body posted to it."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    got = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            got.bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/renewals"
    yield got
    server.shutdown()
