"""A port that dies at a chosen call: the in-process stand-in for a killed sync."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from mappings.streams import Stream
from sync.core.ports import (
    CrmPort,
    FlatRecord,
    PipelineStage,
    Position,
    PulledPage,
    WriteOutcome,
)


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the run catches it."""


class CrashingPort:
    """The real adapter, until call number `at`, which dies before or after the CRM acts.

    Counts every port call (each page of a pull, each write), so `calls` after a clean run
    is the number of points a sweep can crash at.
    """

    def __init__(self, port: CrmPort, at: int, *, after: bool) -> None:
        self._port, self._at, self._after, self.count = port, at, after, 0
        self.name, self.batch_size, self.key_length = port.name, port.batch_size, port.key_length
        self.stamp_ties, self.volatile_fields = port.stamp_ties, port.volatile_fields
        self.bulk_write_threshold, self.bulk_batch_size = (
            port.bulk_write_threshold, port.bulk_batch_size,
        )  # fmt: skip
        self.write_concurrency = 1  # one call after another: call numbers name the same call
        self.writes: list[int] = []  # the call numbers that were writes

    def _tick(self) -> None:
        self.count += 1
        if self.count == self._at and not self._after:
            raise SimulatedCrash(f"killed before call {self._at}")

    def _done(self) -> None:
        if self.count == self._at and self._after:
            raise SimulatedCrash(f"killed after call {self._at}")

    def pull(self, stream: Stream, since: Position | None, until: datetime) -> Iterator[PulledPage]:
        for page in self._port.pull(stream, since, until):
            self._tick()
            yield page
            self._done()

    def _write(self, call: Callable[[], list[WriteOutcome]]) -> list[WriteOutcome]:
        self._tick()
        self.writes.append(self.count)
        outcomes = call()
        self._done()
        return outcomes

    def upsert(
        self, object_name: str, key_field: str, records: Sequence[FlatRecord]
    ) -> list[WriteOutcome]:
        return self._write(lambda: self._port.upsert(object_name, key_field, records))

    def update(self, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
        return self._write(lambda: self._port.update(object_name, records))

    def delete(self, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
        return self._write(lambda: self._port.delete(object_name, record_ids))

    def describe(self, objects: Any) -> Any:
        return self._port.describe(objects)

    def usage(self) -> Any:
        return self._port.usage()

    def stages(self, object_name: str) -> tuple[PipelineStage, ...]:
        return self._port.stages(object_name)

    def rolled_up(self, parent: str, child: str) -> frozenset[str]:
        return self._port.rolled_up(parent, child)

    @property
    def calls(self) -> int:
        return self._port.calls
