"""Alerts, edge-triggered like Hightouch's: one notification when the sync enters a failing
or deferred state, none while it stays there, one when it recovers; one when a run rejects
more than `alert_rejected_share` of its records (again only on crossing the line); one when a
reconciliation (daily at most) finds gaps, a person's kept decisions not counted.

The state lives in the run history, not in memory: a run's state is failing (failed),
deferred or ok (succeeded); skipped and interrupted runs say nothing and are looked past. So a
daemon restart neither repeats nor loses an alert. Channels: a webhook taking Slack's
`{"text": ...}` JSON (Teams and generic receivers take it too) and email over SMTP with
STARTTLS. A channel that fails is logged and never fails the run; secrets (the webhook URL,
the SMTP password) come from settings and are scrubbed from every log line.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import requests

from sync.core.logs import get_logger, scrub
from sync.settings import Settings
from sync.state import Run, RunMode, RunStatus, StateStore

log = get_logger("renewal_sync.alerts")
STATE_OF = {RunStatus.FAILED: "failing", RunStatus.DEFERRED: "deferred", RunStatus.SUCCEEDED: "ok"}
HISTORY = 50  # final runs looked back through for the previous state


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # failing | deferred | recovered | rejected | gaps
    crm: str
    run_id: str
    text: str


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


def alerts_for(run: Run, earlier: Sequence[Run], share_limit: float) -> list[Alert]:
    """What to say about `run`, given the runs before it (newest first)."""
    crm = "Salesforce" if run.crm == "salesforce" else "HubSpot"
    found: list[Alert] = []
    state = STATE_OF.get(run.status)
    before = next((STATE_OF[r.status] for r in earlier if r.status in STATE_OF), None)
    if state is not None and state != before:
        reason = run.error or "no reason recorded"
        if state == "failing":
            found.append(
                Alert("failing", run.crm, run.run_id, f"renewal-sync ({crm}) is failing: {reason}")
            )
        elif state == "deferred":
            found.append(
                Alert(
                    "deferred",
                    run.crm,
                    run.run_id,
                    f"renewal-sync ({crm}) deferred its run: {reason}",
                )
            )
        elif before is not None:
            found.append(Alert("recovered", run.crm, run.run_id,
                               f"renewal-sync ({crm}) recovered: run {run.run_id[:8]} succeeded "
                               f"after the sync was {before}"))  # fmt: skip
    share, rejected = rejected_share(run)
    previous = next((r for r in earlier if r.status in STATE_OF), None)
    if (
        rejected
        and share > share_limit
        and (previous is None or rejected_share(previous)[0] <= share_limit)
    ):
        found.append(Alert("rejected", run.crm, run.run_id,
                           f"renewal-sync ({crm}): {rejected} records ({share:.0%}) were rejected "
                           f"in run {run.run_id[:8]}; see `renewal-sync errors`"))  # fmt: skip
    gaps = int(run.stats.get("reconcile.gaps", 0) or 0)
    if run.mode is RunMode.RECONCILE and gaps:
        person = int(run.stats.get("reconcile.need_person", 0) or 0)
        found.append(Alert("gaps", run.crm, run.run_id,
                           f"renewal-sync ({crm}): reconciliation found {gaps} gap(s) between the "
                           f"CRM and what the service keeps: {gaps - person} repaired, {person} "
                           "need a person (see `renewal-sync errors`)"))  # fmt: skip
    return found


def rejected_share(run: Run) -> tuple[float, int]:
    """(share, count) of the records a run tried to write that the CRM refused."""
    failed = sum(int(v) for k, v in run.stats.items() if k.startswith("failed.") and v)
    written = sum(int(v) for k, v in run.stats.items() if k.startswith("written.") and v)
    total = failed + written
    return (failed / total if total else 0.0), failed


def channels(settings: Settings) -> list[Channel]:
    found: list[Channel] = []
    if settings.alert_webhook_url is not None:
        found.append(Webhook(settings.alert_webhook_url.get_secret_value()))
    if settings.alert_email_to and settings.smtp_host:
        found.append(Email(settings))
    return found


def notify_after(settings: Settings, store: StateStore, run_id: str | None) -> list[Alert]:
    """Send what the run `run_id` calls for; returns the alerts (sent or not)."""
    targets = channels(settings)
    if run_id is None or not targets:
        return []
    recent = store.runs.recent(settings.crm, limit=HISTORY)
    index = next((i for i, r in enumerate(recent) if r.run_id == run_id), None)
    if index is None:
        return []
    alerts = alerts_for(recent[index], recent[index + 1 :], settings.alert_rejected_share)
    for alert in alerts:
        for channel in targets:
            try:
                channel.send(alert)
                log.info("alert_sent", kind=alert.kind, channel=channel.name, run_id=alert.run_id)
            except Exception as error:
                log.warning("alert_failed", kind=alert.kind, channel=channel.name,
                            error=scrub(str(error)))  # fmt: skip
    return alerts


@dataclass
class Webhook:
    url: str
    timeout: float = 10.0
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        answer = requests.post(self.url, json={"text": alert.text}, timeout=self.timeout)
        answer.raise_for_status()


class Email:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, alert: Alert) -> None:
        s = self.settings
        message = EmailMessage()
        message["Subject"] = f"[renewal-sync] {alert.kind}: {alert.crm}"
        message["From"] = s.alert_email_from
        message["To"] = s.alert_email_to or ""
        message.set_content(f"{alert.text}\n\nrun {alert.run_id}\n")
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password is not None:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
            smtp.send_message(message)
