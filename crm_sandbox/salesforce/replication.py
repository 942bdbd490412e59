"""Data replication: which records of an object changed or were deleted in a time span.

`sobjects/{type}/updated?start=&end=`
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html)
answers `{"ids": [...], "latestDateCovered": ...}` by `SystemModstamp`, for no more than 30
days back; `sobjects/{type}/deleted`
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getdeleted.md)
answers `{"deletedRecords": [{"id", "deletedDate"}], "earliestDateAvailable",
"latestDateCovered"}` for no more than 15 days back. Both ignore the seconds of `start` and
`end` (the span is whole minutes), refuse more than 600,000 ids with `EXCEEDED_ID_LIMIT`, and
refuse a start after the end or too far back with `INVALID_REPLICATION_DATE`. The span is
start-inclusive and end-exclusive; `latestDateCovered` is the end, floored to the minute and
never later than the sandbox clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.values import format_datetime, parse_datetime

MAX_IDS = 600_000
UPDATED_DAYS, DELETED_DAYS = 30, 15


def updated(org: Org, sobject: str, start: str | None, end: str | None) -> Reply:
    obj = org.writer.object(sobject)
    since, until, covered = _span(org, start, end, UPDATED_DAYS)
    ids = [
        row["Id"]
        for row in org.store.table(obj.name).values()
        if not row.get("IsDeleted") and since <= _stamp(row) < until
    ]
    _check_size(len(ids))
    return Reply(200, {"ids": ids, "latestDateCovered": format_datetime(covered)})


def deleted(org: Org, sobject: str, start: str | None, end: str | None) -> Reply:
    obj = org.writer.object(sobject)
    since, until, covered = _span(org, start, end, DELETED_DAYS)
    gone = [
        {"id": row["Id"], "deletedDate": row["SystemModstamp"]}
        for row in org.store.table(obj.name).values()
        if row.get("IsDeleted") and since <= _stamp(row) < until
    ]
    _check_size(len(gone))
    earliest = _minute(org.clock.now() - timedelta(days=DELETED_DAYS))
    return Reply(
        200,
        {
            "deletedRecords": gone,
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(covered),
        },
    )


def _span(
    org: Org, start: str | None, end: str | None, days: int
) -> tuple[datetime, datetime, datetime]:
    if not start or not end:
        raise ApiError(400, "MISSING_ARGUMENT", "start and end are required")
    try:
        since, until = (_minute(parse_datetime(v.replace(" ", "+"))) for v in (start, end))
    except ValueError:
        raise ApiError(
            400, "INVALID_REPLICATION_DATE", "start and end must be ISO 8601 date-times"
        ) from None
    now = org.clock.now()
    if since > until:
        raise ApiError(
            400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate"
        )
    if since < _minute(now - timedelta(days=days)):
        raise ApiError(
            400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago"
        )
    return since, until, min(until, _minute(now))


def _stamp(row: dict[str, object]) -> datetime:
    return parse_datetime(str(row["SystemModstamp"]))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _check_size(count: int) -> None:
    if count > MAX_IDS:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            f"More than {MAX_IDS} ids found; choose start and end dates closer together",
        )
