"""`renewal-sync run` as a real process: it syncs, beats, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from sync.cli.main import app
from sync.state import StateStore
from tests.cli.conftest import new_sandbox, process_env


def _wait_for(predicate: Any, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_the_daemon_syncs_beats_and_stops_on_sigterm(
    _server: tuple[ServedApp, Any],  # noqa: PT019 - its value is the served app
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_served, current = _server
    sandbox: SalesforceSandbox = new_sandbox(40)
    current.sandbox = sandbox
    database = f"sqlite:///{tmp_path}/state.db"
    env = {**process_env(app_served, sandbox, database), "RENEWAL_SYNC_INTERVAL_MINUTES": "60"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.cli.main", "run"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    store = StateStore.open(database)
    try:
        assert _wait_for(lambda: any(r.status.value == "succeeded" for r in store.runs.recent()))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert CliRunner().invoke(app, ["health", "--check"]).exit_code == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        beat = store.heartbeats.latest()
        assert beat is not None
        assert beat.state == "stopped"
        stopped = CliRunner().invoke(app, ["health", "--check"])
        assert stopped.exit_code == 1
        assert "unhealthy" in stopped.output
    finally:
        if process.poll() is None:
            process.kill()
        store.close()
        current.sandbox = None
    assert [o for o in sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c")]
