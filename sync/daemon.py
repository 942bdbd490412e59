"""The daemon: a scheduler, a heartbeat and a graceful stop, made of small parts.

`next_run_at` is a pure function (testable without a clock). APScheduler runs the sync
tick on an interval with `max_instances=1` and `coalesce=True`, so a slow run never stacks
up behind itself; the tick takes the run lock, so two daemons on one PostgreSQL database
never sync at once (the second one just beats its heartbeat and waits its turn). SIGTERM and
SIGINT set a stop token that the pipeline checks between batches: the batch in flight
finishes, nothing new starts, the process exits 0.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from sync.logs import get_logger
from sync.state.store import StateStore

log = get_logger("renewal_sync.daemon")


class StopToken:
    """Set once, read often: "finish what you are doing and start nothing new"."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


def next_run_at(last_started: datetime | None, now: datetime, interval: timedelta) -> datetime:
    """When the next run should start: now if never run or overdue, else one interval later."""
    if last_started is None:
        return now
    return max(now, last_started + interval)


Tick = Callable[[StopToken], None]


@dataclass
class Daemon:
    """Schedules `tick` every `interval` and beats a heartbeat until stopped."""

    store: StateStore
    tick: Tick
    interval: timedelta
    daemon_id: str
    heartbeat_every: timedelta = timedelta(seconds=30)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stop: StopToken = field(default_factory=StopToken)

    def __post_init__(self) -> None:
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._state = "starting"

    def start(self, last_started: datetime | None = None) -> None:
        """Start the scheduler threads; returns at once."""
        first = next_run_at(last_started, self.clock(), self.interval)
        self._scheduler.add_job(
            self._run_tick,
            IntervalTrigger(seconds=self.interval.total_seconds(), timezone=UTC),
            id="sync",
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.add_job(
            self._beat,
            IntervalTrigger(seconds=self.heartbeat_every.total_seconds(), timezone=UTC),
            id="heartbeat",
            next_run_time=self.clock(),
        )
        self._scheduler.start()
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
        def _handler(signum: int, _frame: FrameType | None) -> None:
            log.info("signal_received", signal=signal.Signals(signum).name)
            self.stop.request()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _handler)

    def _run_tick(self) -> None:
        if self.stop.requested:
            return
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
        try:
            self.store.heartbeats.beat(self.daemon_id, self._state, now=self.clock())
        except Exception:  # a database hiccup must not stop the scheduler
            log.exception("heartbeat_failed", daemon_id=self.daemon_id)


def scheduler_jobs(daemon: Daemon) -> list[Any]:
    """The scheduled jobs (for tests and `renewal-sync health`)."""
    return list(daemon._scheduler.get_jobs())
