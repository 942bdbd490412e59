"""Is the sync healthy? One answer for `health --check`, the status page and `/healthz`.

Unhealthy when no daemon beat within `heartbeat_max_age_seconds`, when the last
`health_failed_runs` runs all failed, or when no run succeeded within
`health_success_window_minutes` (three intervals when 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync.settings import Settings
from sync.state import Run, RunStatus, StateStore
from sync.state.heartbeat import Heartbeat
from sync.state.runs import FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class Health:
    """The latest heartbeat, the last finished run, and what is wrong (empty: healthy)."""

    beat: Heartbeat | None
    beat_age: int
    last_run: Run | None
    problems: list[str]


def health_of(settings: Settings, store: StateStore, now: datetime) -> Health:
    """Read the heartbeat and the run history and judge them."""
    beat = store.heartbeats.latest()
    recent = [r for r in store.runs.recent(settings.crm, limit=200) if r.status in FINAL_STATUSES]
    problems: list[str] = []
    age = int(beat.age(now).total_seconds()) if beat is not None else 0
    if beat is None:
        problems.append("no daemon heartbeat yet")
    elif beat.state == "stopped" or beat.age(now) > timedelta(
        seconds=settings.heartbeat_max_age_seconds
    ):
        problems.append(f"{beat.daemon_id} {beat.state}, beat {age}s ago")
    problems += run_problems(settings, recent, now)
    return Health(beat, age, recent[0] if recent else None, problems)


def run_problems(settings: Settings, recent: list[Run], now: datetime) -> list[str]:
    """Why the run history is unhealthy (newest first; skipped runs say nothing)."""
    telling = [r for r in recent if r.status not in (RunStatus.SKIPPED, RunStatus.INTERRUPTED)]
    problems = []
    streak = telling[: settings.health_failed_runs]
    if len(streak) == settings.health_failed_runs and all(
        r.status is RunStatus.FAILED for r in streak
    ):
        problems.append(f"the last {len(streak)} runs failed")
    window = timedelta(
        minutes=settings.health_success_window_minutes or 3 * settings.interval_minutes
    )
    succeeded = [r for r in telling if r.status is RunStatus.SUCCEEDED]
    oldest = telling[-1].started_at if telling else None
    if oldest is not None and now - _aware(oldest) > window:
        last_ok = _aware(succeeded[0].started_at) if succeeded else None
        if last_ok is None or now - last_ok > window:
            minutes = int(window.total_seconds() // 60)
            problems.append(f"no run succeeded in the last {minutes} minutes")
    return problems


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
