"""Failures as data: what to do about a CRM error, decided by one function from one table.

Each connector owns its CRM's table (sync/connectors/*/failures.py): error code -> action,
blame and hint. `decide` is the only place an action is chosen, so the rules for a code are
read in one line of data: retry the call (transient), re-authenticate, defer the run to the
next schedule (quota), reject the one record and keep it for an admin, or skip what depends
on a mapped field the org no longer has (schema drift). Unknown codes reject the record,
never crash, so one odd record cannot stop the others. `renewal-sync errors` shows the
blame and hint beside each kept record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"  # same call again with back-off; for row locks, only the failed records
    REAUTHENTICATE = "reauthenticate"  # new session once, then the call again
    DEFER_RUN = "defer_run"  # stop cleanly; the next scheduled run resumes from the cursors
    REJECT_RECORD = "reject_record"  # keep the record with its error; retried next run
    SKIP_DEPENDENTS = "skip_dependents"  # a mapped field/object is gone: skip what needs it


class Blame(StrEnum):
    TRANSIENT = "transient"  # the CRM or the network; nobody needs to act
    QUOTA = "quota"  # API allowance; an admin may raise the share or the tier
    CONFIG = "config"  # the mapping or the org's schema; an admin must act
    DATA = "data"  # the record's values; a person must fix the record
    BUG = "bug"  # should not happen; report it


@dataclass(frozen=True)
class Resolution:
    action: Action
    blame: Blame
    hint: str


FailureTable = Mapping[str, Resolution]
"""Keys: an error code (`UNABLE_TO_LOCK_ROW`), a code at one HTTP status
(`REQUEST_LIMIT_EXCEEDED@429`), or a bare status (`HTTP_503`)."""

TRANSIENT = Resolution(Action.RETRY, Blame.TRANSIENT, "The CRM was busy; retried with back-off.")
CONNECTION_LOST = "CONNECTION_LOST"
"""The code of a call that got no HTTP answer (refused, reset, timed out)."""

UNKNOWN = Resolution(
    Action.REJECT_RECORD, Blame.BUG, "Unrecognised CRM error; the record is kept for an admin."
)


def decide(table: FailureTable, code: str, status: int | None = None) -> Resolution:
    """What to do about `code` (answered with HTTP `status`, when there was an answer).

    The most specific entry wins: `CODE@STATUS`, then `CODE`, then `HTTP_STATUS`; a code the
    table does not know rejects the record (UNKNOWN), it never crashes the run.
    """
    keys = [f"{code}@{status}", code, f"HTTP_{status}"] if status is not None else [code]
    return next((table[key] for key in keys if key in table), UNKNOWN)
