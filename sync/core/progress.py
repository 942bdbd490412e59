"""Progress of a long run, for a person watching a terminal.

The daemon's progress is its log (a `pulled_page` line per page, a `write_batch` line per
batch); `sync --once` on a terminal also keeps one line per stage up to date in place,
"pull order: 12,000 of ~98,000", then "write renewal: batch 3 of 12 (600 of 2,310)". The
estimate of a pull is what the mirror held of that stream before a complete read (no API
call is spent on a count); an incremental pull has none and shows its running total.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class Progress(Protocol):
    def update(self, stage: str, done: int, of: int | None = None, detail: str = "") -> None:
        """`stage` has done `done` of about `of` units (None: not known)."""
        ...

    def finish(self) -> None:
        """The run is over: end the line in place."""
        ...


class NoProgress:
    """What the daemon and the tests use: the log says it all."""

    def update(self, stage: str, done: int, of: int | None = None, detail: str = "") -> None:
        return None

    def finish(self) -> None:
        return None


NO_PROGRESS = NoProgress()


class TerminalProgress:
    """One line per stage, rewritten in place (carriage return and erase-line); a new stage
    starts a new line, so the finished stages stay on screen with their totals."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._stage: str | None = None

    def update(self, stage: str, done: int, of: int | None = None, detail: str = "") -> None:
        if self._stage is not None and stage != self._stage:
            self.stream.write("\n")
        self._stage = stage
        total = f" of ~{of:,}" if of is not None and not detail else ""
        said = detail or f"{done:,}{total}"
        self.stream.write(f"\r\x1b[K{stage}: {said}")
        self.stream.flush()

    def finish(self) -> None:
        if self._stage is not None:
            self.stream.write("\n")
            self.stream.flush()
        self._stage = None


def for_terminal(stream: TextIO | None = None) -> Progress:
    """A terminal renderer when `stream` (stderr by default) is a terminal, else nothing."""
    target = stream or sys.stderr
    return TerminalProgress(target) if target.isatty() else NO_PROGRESS
