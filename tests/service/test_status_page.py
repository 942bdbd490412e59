"""The daemon's status page, served by `renewal-sync run` in its own process beside a
sandbox in another, read in a real headless browser: it renders with no console message,
shows the runs, the open errors and the renewals due, and shows a run made to fail."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.settings import SettingsError, load_settings
from tests.browser import render, screenshot
from tests.served_process import served_process

TODAY = "2026-11-21"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A served Salesforce sandbox and the daemon syncing it with the status page on."""
    with served_process("salesforce", "REQUESTS_CA_BUNDLE", accounts=8, today=TODAY) as env:
        port = _free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "RENEWAL_"))}
        settings_env = clean | env | {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'state.db'}",
            "RENEWAL_SYNC_STATUS_PORT": str(port),
            "RENEWAL_SYNC_INTERVAL_MINUTES": "600",
            "RENEWAL_SYNC_LOG_JSON": "true",
        }  # fmt: skip
        command = [sys.executable, "-m", "sync.cli.main", "run", "--today", TODAY]
        process = subprocess.Popen(command, env=settings_env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if "succeeded" in _get(base + "/")[1]:
                        break
                except OSError:
                    pass
                time.sleep(0.3)
            else:
                pytest.fail("the daemon's first run never showed on the status page")
            yield base, settings_env
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_the_page_renders_in_a_browser_and_shows_a_run_made_to_fail(
    daemon: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = daemon
    first = render(base + "/")
    assert first.console == []
    assert '<table id="runs">' in first.dom
    assert "succeeded" in first.dom
    assert 'id="health" class="ok">healthy' in first.dom
    assert "API allowance used: " in first.dom
    assert "not reported yet" not in first.dom
    assert 'id="due"' in first.dom, "renewals due within 90 days of the sandbox's day"
    broken = tmp_path / "broken.yaml"
    broken.write_text("versoin: 2\ncrm: salesforce\n")
    failed = subprocess.run(
        [sys.executable, "-m", "sync.cli.main", "sync", "--once", "--today", TODAY],
        env=env | {"RENEWAL_SYNC_MAPPING_FILE": str(broken)}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert failed.returncode == 2, failed.stderr
    after = render(base + "/")
    assert after.console == []
    runs = after.dom.split('<table id="runs">')[1].split("</table>")[0]
    assert "<td>failed</td>" in runs
    assert "mapping invalid" in runs
    assert "not reported yet" not in after.dom, "the allowance of the last run that read it"
    assert screenshot(base + "/", tmp_path / "status.png").stat().st_size > 10_000


def test_healthz_and_metrics_beside_the_page(daemon: tuple[str, dict[str, str]]) -> None:
    base, _ = daemon
    assert _get(base + "/healthz") == (200, "healthy\n")
    status, metrics = _get(base + "/metrics")
    assert status == 200
    assert 'renewal_sync_runs_total{crm="salesforce",status="succeeded"} 1.0' in metrics
    assert _get(base + "/nothing")[0] == 404


def test_a_page_exposed_beyond_loopback_needs_a_token() -> None:
    exposed = {"status_port": 8080, "status_host": "0.0.0.0"}
    with pytest.raises(SettingsError, match="RENEWAL_SYNC_STATUS_TOKEN"):
        load_settings(exposed, credentials=False)
    assert load_settings(exposed | {"status_token": "t0ken"}, credentials=False).status_port
