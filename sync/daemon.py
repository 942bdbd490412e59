"""The daemon: a scheduler, a heartbeat and a graceful stop, made of small parts.

`next_run_at` is a pure function (testable without a clock). APScheduler runs the sync
tick on an interval with `max_instances=1` and `coalesce=True`, so a slow run never stacks
up behind itself; the tick takes the run lock, so two daemons on one PostgreSQL database
never sync at once (the second one just beats its heartbeat and waits its turn). SIGTERM and
SIGINT set a stop token that the pipeline checks between batches: the batch in flight
finishes, nothing new starts, the process exits 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from sync.core.clock import Clock, utc_now
from sync.core.logs import get_logger
from sync.core.stop import StopToken, stop_on_signals
from sync.state.store import StateStore

log = get_logger("renewal_sync.daemon")


def next_run_at(last_started: datetime | None, now: datetime, interval: timedelta) -> datetime:
    """When the next run should start: now if never run or overdue, else one interval later."""
    if last_started is None:
        return now
    return max(now, last_started + interval)


Tick = Callable[[StopToken], None]


@dataclass
class Daemon:
    """Runs `tick` every `interval` and beats a heartbeat until stopped.

    Every decision about time reads the injected `clock`: whether a run is due
    (`next_run_at`), when the heartbeat is due, and the time stamped on each beat.
    APScheduler supplies the worker thread and the no-stacking guarantees
    (`max_instances=1`, `coalesce`); it only wakes the daemon every `poll` (wall-clock
    seconds of waiting, never a date), and the wake-up asks the clock what is due. So a test
    that freezes or advances the clock controls the schedule completely, on any date.
    """

    store: StateStore
    tick: Tick
    interval: timedelta
    daemon_id: str
    heartbeat_every: timedelta = timedelta(seconds=30)
    clock: Clock = utc_now
    stop: StopToken = field(default_factory=StopToken)
    poll: timedelta = timedelta(seconds=1)

    def __post_init__(self) -> None:
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._state = "starting"
        self._last_started: datetime | None = None
        self._last_beat: datetime | None = None

    def start(self, last_started: datetime | None = None) -> None:
        """Start the scheduler threads; returns at once."""
        self._last_started = last_started
        first = next_run_at(last_started, self.clock(), self.interval)
        for job_id, wake in (("sync", self._sync_if_due), ("heartbeat", self._beat_if_due)):
            self._scheduler.add_job(
                wake,
                IntervalTrigger(seconds=self.poll.total_seconds(), timezone=UTC),
                id=job_id,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self._scheduler.start()
        self._beat_if_due()
        log.info("daemon_started", daemon_id=self.daemon_id, first_run=first.isoformat())

    def serve_forever(self) -> None:
        """Block until SIGTERM/SIGINT (or `stop.request()`), then stop gracefully."""
        self.install_signal_handlers()
        self.stop.wait()
        self.shutdown()

    def shutdown(self) -> None:
        """Let the tick in flight finish (it sees the stop token), then beat 'stopped'."""
        log.info("daemon_stopping", daemon_id=self.daemon_id)
        self._scheduler.shutdown(wait=True)
        self._state = "stopped"
        self._beat()
        log.info("daemon_stopped", daemon_id=self.daemon_id)

    def install_signal_handlers(self) -> None:
        stop_on_signals(self.stop)

    def _sync_if_due(self) -> None:
        """A wake-up: start the tick when the clock says a run is due."""
        now = self.clock()
        if self.stop.requested or next_run_at(self._last_started, now, self.interval) > now:
            return
        self._last_started = now
        self._run_tick()

    def _beat_if_due(self) -> None:
        now = self.clock()
        if self._last_beat is None or now - self._last_beat >= self.heartbeat_every:
            self._beat()

    def _run_tick(self) -> None:
        self._state = "running"
        self._beat()
        try:
            self.tick(self.stop)
        except Exception:  # a failed run must not kill the daemon; the next tick retries
            log.exception("run_failed", daemon_id=self.daemon_id)
        finally:
            self._state = "idle"
            self._beat()

    def _beat(self) -> None:
        now = self.clock()
        self._last_beat = now
        try:
            self.store.heartbeats.beat(self.daemon_id, self._state, now=now)
        except Exception:  # a database hiccup must not stop the scheduler
            log.exception("heartbeat_failed", daemon_id=self.daemon_id)


def scheduler_jobs(daemon: Daemon) -> list[Any]:
    """The scheduled jobs (for tests and `renewal-sync health`)."""
    return list(daemon._scheduler.get_jobs())
