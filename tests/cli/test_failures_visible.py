"""A sync that fails is seen: a run row with its reason however it ends, `health --check`
failing, edge-triggered alerts on a webhook and by email, and read-only commands that need no
CRM credentials and never create tables. The service runs as its own process against a
served sandbox; the alert receivers are real servers on loopback."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm_sandbox.tls import make_loopback_certs
from sync.alerts import alerts_for
from sync.state import Run, RunMode, RunStatus
from tests.cli.conftest import Webhook
from tests.cli.test_sync_once_process import Served, serve_org

CLI = [sys.executable, "-m", "sync.cli.main"]


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)
    port: int = 0
    ca_bundle: str = ""
    starttls_seen: list[bool] = field(default_factory=list)


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    """aiosmtpd on loopback, STARTTLS required (the loopback certificate)."""
    import ssl  # noqa: PLC0415

    certs = make_loopback_certs(tmp_path / "smtp-tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert, certs.key)
    box = Mailbox(ca_bundle=str(certs.ca_bundle))

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.starttls_seen.append(session.ssl is not None)
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd checks its own port at start: name a free one
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=box.port, tls_context=context,
        require_starttls=True,
    )  # fmt: skip
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def served(_server: Any, tmp_path: Path) -> Iterator[Served]:
    yield from serve_org(_server, tmp_path, 20)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, text=True, capture_output=True, timeout=120, check=False
    )


def _read_only_env(served: Served) -> dict[str, str]:
    """The service's environment without a single CRM credential."""
    return {k: v for k, v in served.env.items() if not k.startswith(("SF_", "HUBSPOT_"))}


def test_failing_then_recovering_sends_one_alert_each_way_on_both_channels(
    served: Served, webhook: Webhook, mailbox: Mailbox
) -> None:
    alerting = {
        "RENEWAL_SYNC_ALERT_WEBHOOK_URL": webhook.url,
        "RENEWAL_SYNC_ALERT_EMAIL_TO": "revops@example.com",
        "RENEWAL_SYNC_SMTP_HOST": "127.0.0.1",
        "RENEWAL_SYNC_SMTP_PORT": str(mailbox.port),
        "SSL_CERT_FILE": mailbox.ca_bundle,  # trust the loopback certificate for STARTTLS
    }
    assert served.sync(**alerting).returncode == 0  # a first success says nothing
    assert webhook.bodies == []
    for _ in range(2):
        failed = served.sync(SF_CLIENT_SECRET="wrong-secret", **alerting)
        assert failed.returncode == 1
    assert len(webhook.bodies) == 1  # entering the failing state, not once per failed run
    text = webhook.bodies[0]["text"]
    assert text.startswith("renewal-sync (Salesforce) is failing: Salesforce refused the login")
    assert "wrong-secret" not in text
    assert served.sync(**alerting).returncode == 0
    assert [b["text"].split(":")[0] for b in webhook.bodies] == [
        "renewal-sync (Salesforce) is failing",
        "renewal-sync (Salesforce) recovered",
    ]
    assert len(mailbox.messages) == 2
    assert all(mailbox.starttls_seen)
    assert mailbox.messages[0]["Subject"] == "[renewal-sync] failing: salesforce"
    assert mailbox.messages[0]["To"] == "revops@example.com"
    assert "refused the login" in mailbox.messages[0].get_payload()


def test_a_mapping_broken_between_runs_is_a_failed_run_with_its_reason(
    served: Served, tmp_path: Path
) -> None:
    mapping = tmp_path / "broken.yaml"
    mapping.write_text("version: 2\ncrm: salesforce\nread: {}\nwrite: {}\n")
    # the daemon re-reads the mapping each run: a file broken while it runs is a run row
    from sync.service import Service  # noqa: PLC0415
    from sync.settings import load_settings  # noqa: PLC0415

    settings = load_settings(
        {"mapping_file": mapping, "database_url": served.env["DATABASE_URL"],
         "sf_instance_url": served.env["SF_INSTANCE_URL"],
         "sf_access_token": served.env.get("SF_ACCESS_TOKEN", "x")}
    )  # fmt: skip
    result = Service(settings, served.store).run_once()
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert result.error.startswith("mapping invalid: ")
    assert "broken.yaml" in result.error
    assert served.store.runs.recent(limit=1)[0].error == result.error


def test_health_check_fails_after_the_runs_fail_without_any_credential(
    served: Served,
) -> None:
    assert served.sync().returncode == 0
    env = _read_only_env(served)
    now = datetime.now(UTC)
    served.store.heartbeats.beat("test-daemon", "idle", now=now)
    healthy = _cli(env, "health", "--check")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "healthy" in healthy.stdout
    for _ in range(3):
        served.sync(SF_CLIENT_SECRET="wrong-secret")
    served.store.heartbeats.beat("test-daemon", "idle", now=datetime.now(UTC))
    sick = _cli(env, "health", "--check")
    assert sick.returncode == 1
    assert "unhealthy: the last 3 runs failed" in sick.stdout
    assert "refused the login" in sick.stdout  # the last run's reason
    listed = _cli(env, "runs")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("failed") == 3


def test_no_success_within_the_window_is_unhealthy(served: Served) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    run = served.store.runs.start("salesforce", RunMode.FULL, now=long_ago)
    served.store.runs.finish(run.run_id, RunStatus.SUCCEEDED, stats={}, error=None)
    later = served.store.runs.start(
        "salesforce", RunMode.INCREMENTAL, now=long_ago + timedelta(hours=2)
    )
    served.store.runs.finish(later.run_id, RunStatus.DEFERRED, stats={}, error="allowance spent")
    served.store.heartbeats.beat("test-daemon", "idle", now=datetime.now(UTC))
    sick = _cli(_read_only_env(served), "health", "--check")
    assert sick.returncode == 1
    assert "no run succeeded in the last 45 minutes" in sick.stdout  # 3 x 15-minute interval


def test_read_only_commands_never_create_a_state_store(tmp_path: Path, served: Served) -> None:
    env = _read_only_env(served)
    missing = tmp_path / "nowhere.db"
    answer = _cli({**env, "DATABASE_URL": f"sqlite:///{missing}"}, "runs")
    assert answer.returncode == 2
    assert "no state database at" in answer.stderr
    assert not missing.exists()
    other = tmp_path / "someone-elses.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    for command in (["runs"], ["errors"], ["health"]):
        answer = _cli({**env, "DATABASE_URL": f"sqlite:///{other}"}, *command)
        assert answer.returncode == 2, (command, answer.stderr)
        assert "is not a renewal-sync state store" in answer.stderr
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


def _run(status: RunStatus, minutes: int, **stats: int) -> Run:
    return Run(
        run_id=f"run-{minutes:04d}", crm="salesforce", mode=RunMode.INCREMENTAL,
        started_at=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        finished_at=None, status=status, stats=dict(stats), error="why",
    )  # fmt: skip


def test_alerts_fire_on_edges_only() -> None:
    history: list[Run] = []
    said: list[str] = []
    sequence = [
        RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.FAILED,
        RunStatus.DEFERRED, RunStatus.DEFERRED, RunStatus.INTERRUPTED, RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED,
    ]  # fmt: skip
    for minutes, status in enumerate(sequence):
        run = _run(status, minutes)
        said += [a.kind for a in alerts_for(run, list(reversed(history)), 0.05)]
        history.append(run)
    assert said == ["failing", "deferred", "recovered"]


def test_a_rejected_share_alerts_when_it_crosses_the_line() -> None:
    calm = _run(RunStatus.SUCCEEDED, 1, **{"written.renewal": 100, "failed.renewal": 2})
    bad = _run(RunStatus.SUCCEEDED, 2, **{"written.renewal": 80, "failed.renewal": 20})
    worse = _run(RunStatus.SUCCEEDED, 3, **{"written.renewal": 70, "failed.renewal": 30})
    assert alerts_for(calm, [], 0.05) == []
    first = alerts_for(bad, [calm], 0.05)
    assert [a.kind for a in first] == ["rejected"]
    assert "20 records (20%) were rejected" in first[0].text
    assert alerts_for(worse, [bad, calm], 0.05) == []  # still over the line: no repeat
