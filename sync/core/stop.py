"""The stop token: "finish what you are doing and start nothing new".

The daemon's signal handler and `sync --once`'s set it; the pipeline reads it between
batches. It lives in the bottom layer so the pipeline need not import the daemon (and its
scheduler) to honour a stop.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from sync.core.logs import get_logger

log = get_logger("renewal_sync.stop")


class StopToken:
    """Set once, read often."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal: int | None = None  # the signal that asked for the stop, if one did

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    def sleep(self, seconds: float) -> None:
        """A back-off pause that a stop cuts short (the call after it is the last one)."""
        self._event.wait(max(0.0, seconds))


def stop_on_signals(stop: StopToken) -> None:
    """SIGTERM and SIGINT request a stop: the call in flight finishes, nothing new starts."""

    def _handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        stop.signal = signum
        stop.request()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _handler)


class StoppedError(Exception):
    """A stop was requested between two batches; the run ends cleanly as interrupted."""
