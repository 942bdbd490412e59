"""State database of renewal-sync: mirror, cursors, written values, runs, errors, lock.

Start here: ``StateStore.open(url)``. See ``docs/state.md`` for the tables and the rules.
"""

from sync.state.cursors import Cursor, CursorPastCeilingError
from sync.state.errors import RecordError, RecordFailure
from sync.state.heartbeat import Heartbeat
from sync.state.lock import AdvisoryRunLock, LeaseRunLock, RunLock, advisory_key
from sync.state.migrate import current_revision, head_revision, migrate
from sync.state.mirror import MirrorRecord, ScopedRow
from sync.state.models import RunMode, RunStatus, Stage
from sync.state.runs import Run, UnknownRunError
from sync.state.store import DEFAULT_URL, StateStore, StateTransaction, default_url
from sync.state.types import Clock, utc_now
from sync.state.written import FieldEdit, Write, WrittenValue

__all__ = [
    "DEFAULT_URL",
    "AdvisoryRunLock",
    "Clock",
    "Cursor",
    "CursorPastCeilingError",
    "FieldEdit",
    "Heartbeat",
    "LeaseRunLock",
    "MirrorRecord",
    "RecordError",
    "RecordFailure",
    "Run",
    "RunLock",
    "RunMode",
    "RunStatus",
    "ScopedRow",
    "Stage",
    "StateStore",
    "StateTransaction",
    "UnknownRunError",
    "Write",
    "WrittenValue",
    "advisory_key",
    "current_revision",
    "default_url",
    "head_revision",
    "migrate",
    "utc_now",
]
