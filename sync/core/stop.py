"""The stop token: "finish what you are doing and start nothing new".

The daemon's signal handler and `sync --once`'s set it; the pipeline reads it between
batches. It lives in the bottom layer so the pipeline need not import the daemon (and its
scheduler) to honour a stop.
"""

from __future__ import annotations

import threading


class StopToken:
    """Set once, read often."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class StoppedError(Exception):
    """A stop was requested between two batches; the run ends cleanly as interrupted."""
