"""`renewal-sync sync --once` as its own process against a served sandbox, the way cron or
an admin runs it: killed, stopped, blocked by another runner, or unable to start.
"""

from __future__ import annotations

import itertools
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from sync.state import LeaseRunLock, RunStatus, StateStore
from tests.cli.conftest import new_sandbox, process_env

SYNC = [sys.executable, "-m", "sync.cli.main", "sync", "--once"]


@dataclass
class Served:
    sandbox: SalesforceSandbox
    env: dict[str, str]
    store: StateStore

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*SYNC, *args], env={**self.env, **env}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def sync(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SYNC, *args], env={**self.env, **env}, text=True, capture_output=True, timeout=120,
            check=False,
        )  # fmt: skip

    def statuses(self) -> list[RunStatus]:
        return [run.status for run in self.store.runs.recent(limit=20)]

    def wait_running(self, process: subprocess.Popen[str]) -> None:
        """Until the process's run is under way (its row says running)."""
        assert _wait_for(lambda: RunStatus.RUNNING in self.statuses() or process.poll() is not None)
        assert process.poll() is None, "the run ended before it could be stopped"


def _wait_for(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def serve_org(
    server: tuple[ServedApp, Any], tmp_path: Path, opportunities: int
) -> Iterator[Served]:
    """A fresh sandbox org behind the module's served app, its environment and store."""
    app, current = server
    sandbox = new_sandbox(opportunities)
    current.sandbox = sandbox
    database = f"sqlite:///{tmp_path}/state.db"
    env = {**process_env(app, sandbox, database), "RENEWAL_SYNC_LOG_LEVEL": "WARNING"}
    store = StateStore.open(database)
    try:
        yield Served(sandbox, env, store)
    finally:
        store.close()
        current.sandbox = None


@pytest.fixture
def served(
    _server: tuple[ServedApp, Any],
    tmp_path: Path,
) -> Iterator[Served]:
    yield from serve_org(_server, tmp_path, 60)


def _slow_writes(sandbox: SalesforceSandbox) -> None:
    """Every write call takes a while, so a signal lands in the middle of the run."""
    sandbox.faults.add(FaultRule(FaultKind.LATENCY, seconds=0.4, methods=frozenset({"PATCH"})))


@pytest.mark.slow
def test_a_sigkilled_run_does_not_block_the_next_one_on_sqlite(served: Served) -> None:
    _slow_writes(served.sandbox)
    process = served.start()
    served.wait_running(process)
    assert _wait_for(lambda: served.sandbox.ledger.writes > 0)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    served.sandbox.faults.clear()
    done = served.sync()  # at once: the dead holder's five-minute lease is taken over
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    assert served.statuses()[:2] == [RunStatus.SUCCEEDED, RunStatus.INTERRUPTED]


@pytest.mark.slow
def test_sigterm_finishes_the_call_in_flight_and_records_the_run_interrupted(
    served: Served,
) -> None:
    _slow_writes(served.sandbox)
    process = served.start()
    served.wait_running(process)
    assert _wait_for(lambda: served.sandbox.ledger.writes > 0)
    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - stopped_at < 5
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "interrupted" in out
    assert served.statuses()[0] is RunStatus.INTERRUPTED
    served.sandbox.faults.clear()
    assert served.sync().returncode == 0  # the next run finishes the work
    assert served.statuses()[0] is RunStatus.SUCCEEDED


def test_a_run_another_runner_blocks_says_why_and_is_in_runs(served: Served) -> None:
    served.sync()  # migrate and sync once
    lock = served.store.run_lock()
    assert isinstance(lock, LeaseRunLock)
    assert lock.try_acquire()  # this test process holds it, alive
    try:
        blocked = served.sync()
    finally:
        lock.release()
    assert blocked.returncode == 0
    assert "skipped: another runner holds the run lock" in blocked.stdout
    assert lock.holder in blocked.stdout
    latest = served.store.runs.recent(limit=1)[0]
    assert latest.status is RunStatus.SKIPPED
    assert latest.error is not None
    assert lock.holder in latest.error


def test_a_refused_login_is_one_line_a_failed_run_and_exit_1(served: Served) -> None:
    served.sync()  # the store exists, so the failure can be recorded
    refused = served.sync(SF_CLIENT_SECRET="wrong-secret")
    assert refused.returncode == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.stderr
    assert "Salesforce refused the login" in lines[0]
    assert lines[0].count("refused") == 1, lines[0]
    assert "SF_CLIENT_SECRET" in lines[0] or "SF_CLIENT_ID" in lines[0]
    assert "wrong-secret" not in refused.stderr
    assert "Traceback" not in refused.stderr
    latest = served.store.runs.recent(limit=1)[0]
    assert latest.status is RunStatus.FAILED
    assert latest.error is not None
    assert "refused the login" in latest.error


@pytest.mark.slow
def test_a_crm_down_at_login_is_one_line_and_a_failed_run(served: Served) -> None:
    served.sandbox.faults.add(
        FaultRule(FaultKind.HTTP_STATUS, status=503, path_contains="/oauth2/token")
    )
    down = served.sync()
    assert down.returncode == 1
    assert "Traceback" not in down.stderr
    # the retries are log lines (JSON); what the admin reads is one plain line
    lines = [ln for ln in down.stderr.splitlines() if ln.strip() and not ln.startswith("{")]
    assert len(lines) == 1, down.stderr
    assert "did not answer at login" in lines[0]
    assert served.statuses()[0] is RunStatus.FAILED


def test_an_unreachable_database_is_one_line_and_the_traceback_only_under_debug(
    served: Served,
) -> None:
    url = "postgresql+psycopg://renewal:s3cret-pw@127.0.0.1:9/state"
    down = served.sync(DATABASE_URL=url)
    assert down.returncode == 1
    lines = [line for line in down.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, down.stderr
    assert "cannot open the state database" in lines[0]
    assert "127.0.0.1:9" in lines[0]
    assert "s3cret-pw" not in down.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "sync.cli.main", "--debug", "sync", "--once"],
        env={**served.env, "DATABASE_URL": url}, text=True, capture_output=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr


def test_a_state_directory_that_cannot_be_made_is_one_line(served: Served, tmp_path: Path) -> None:
    """Where the state file should go is taken by a file (what a read-only or wrongly
    mounted volume looks like to a root process): one line naming the database."""
    blocker = tmp_path / "volume"
    blocker.write_text("not a directory")
    url = f"sqlite:///{blocker}/state.db"
    stuck = served.sync(DATABASE_URL=url)
    assert stuck.returncode == 1
    lines = [line for line in stuck.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stuck.stderr
    assert lines[0].startswith(f"renewal-sync cannot open the state database ({url}): ")


def test_on_a_terminal_each_stage_is_one_line_kept_up_to_date(served: Served) -> None:
    """stderr on a pseudo-terminal, as when an admin runs it by hand: a line per stage,
    rewritten in place; without a terminal (cron, the daemon) nothing but the log."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            SYNC, env=served.env, stdout=subprocess.DEVNULL, stderr=follower, text=True
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process closed its end
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=120) == 0
    finally:
        os.close(leader)
    text = seen.decode()
    assert "\r\x1b[Kpull order: " in text
    assert "write renewal: batch 1 of 1" in text
    lines = [line.rsplit("\r\x1b[K", 1)[-1] for line in text.replace("\r\n", "\n").split("\n")]
    stages = [line.split(":")[0] for line in lines if line]
    # pages and batches of a stage update its line in place: no stage is two lines in a row
    assert all(a != b for a, b in itertools.pairwise(stages)), stages
    assert {"pull account", "pull order", "write renewal", "write task"} <= set(stages)
    piped = served.sync()
    assert piped.returncode == 0
    assert "\x1b[K" not in piped.stderr
