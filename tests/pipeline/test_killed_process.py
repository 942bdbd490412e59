"""A sync process killed with SIGKILL mid-run, then restarted, leaves every renewal once.

The in-process crash tests cover every call boundary; this one kills a real process at
wall-clock moments, with the state in PostgreSQL, whose advisory lock dies with the session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from sync.state import StateStore
from tests.db_fixtures import DbTarget
from tests.pipeline.conftest import salesforce_sandbox as new_sandbox
from tests.pipeline.salesforce_org import SalesforceOrg as Harness
from tests.pipeline.salesforce_org import crm_state
from tests.pipeline.test_failures_and_recovery import SEED, SIZE
from tests.pipeline.test_failures_and_recovery import assert_no_duplicates as _assert_no_duplicates
from tests.pipeline.test_kill_anywhere import _differences


def _environment(harness: Harness, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "RENEWAL_SYNC_CRM": "salesforce",
        "SF_INSTANCE_URL": harness.served.url,
        "SF_LOGIN_URL": harness.served.url,
        "SF_CLIENT_ID": harness.sandbox.client_id,
        "SF_CLIENT_SECRET": harness.sandbox.client_secret,
        "REQUESTS_CA_BUNDLE": str(harness.served.ca_bundle),
        "DATABASE_URL": url,
        "RENEWAL_SYNC_TODAY": harness.today.isoformat(),
        "RENEWAL_SYNC_LOG_LEVEL": "WARNING",
    }
    for name in ("SF_ACCESS_TOKEN", "RENEWAL_SYNC_MAPPING_FILE", "RENEWAL_SYNC_CONFIG"):
        env.pop(name, None)
    return env


def _sync(env: dict[str, str], store: StateStore, kill_after: float | None) -> int:
    """Run `sync --once`; with `kill_after`, SIGKILL it that long after its run has begun."""
    command = [sys.executable, "-m", "sync.cli.main", "sync", "--once"]
    known = {run.run_id for run in store.runs.recent(limit=50)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if kill_after is not None:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if any(r.run_id not in known for r in store.runs.recent(limit=50)):
                break
            time.sleep(0.02)
        time.sleep(kill_after)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    return process.wait(timeout=120)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_at_random_moments_then_restart_ends_clean(
    make_salesforce_org: Any, postgres_url: str, postgres_schema: str
) -> None:
    reference = _reference(make_salesforce_org)
    target = DbTarget("postgresql", postgres_url, postgres_schema)
    harness = make_salesforce_org(new_sandbox(SIZE, SEED), target)
    url = f"{postgres_url}?options=-csearch_path%3D{postgres_schema}"
    env = _environment(harness, url)
    for moment in (0.05, 0.3, 0.6):
        _sync(env, harness.store, kill_after=moment)
    assert _sync(env, harness.store, kill_after=None) == 0
    statuses = [run.status.value for run in harness.store.runs.recent(limit=10)]
    assert "interrupted" in statuses  # at least one kill landed in the middle of a run
    assert statuses[0] == "succeeded"
    _assert_no_duplicates(harness)
    state = crm_state(harness.sandbox)
    assert state == reference, _differences(state, reference)


def _reference(make_salesforce_org: Any) -> dict[str, Any]:
    harness = make_salesforce_org(new_sandbox(SIZE, SEED))
    assert harness.run().status == "succeeded"
    return crm_state(harness.sandbox)
