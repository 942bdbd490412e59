"""Bulk API 2.0: query jobs and ingest (upsert) jobs, as the real org answers them.

Query jobs (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm):
`POST /jobs/query` answers the JobInfo in state `UploadComplete`; the first `GET
/jobs/query/{id}` finds it `JobComplete` (or `Failed`, or `InProgress` for as long as a planned
hang lasts, until it is `Aborted`); results are CSV
(`GET .../results?locator=&maxRecords=`), paged by the `Sforce-Locator` header (the text
"null" on the last set) with `Sforce-NumberOfRecords`. GROUP BY, OFFSET, TYPEOF and aggregate
functions are refused, as Bulk API 2.0 refuses them. Rows are snapshotted when the job is
made, nulls are empty fields, booleans `true`/`false`.

Ingest jobs (upsert by external id, or update by Id): `POST /jobs/ingest` (state `Open`), `PUT
.../batches` with CSV, `PATCH {"state": "UploadComplete"}`, then `GET` runs it to
`JobComplete` with `numberRecordsProcessed` / `numberRecordsFailed`; `successfulResults`
(`sf__Id`, `sf__Created` + the row), `failedResults` (`sf__Id`, `sf__Error` + the row) and
`unprocessedrecords` (rows a failed or aborted job never reached). An empty CSV field leaves
the field as it is; `#N/A` sets it to null, as Bulk API 2.0 reads them.

Faults for tests (`BulkJobs.plan`): the next job of a kind fails (`Failed` with an error
message, after processing `processed` rows of an ingest job), or hangs in `InProgress`
until aborted. The daily query-job allowance is `DailyBulkV2QueryJobs` in /limits.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from crm_sandbox.salesforce.errors import ApiError, RecordFailure
from crm_sandbox.salesforce.ids import checksum
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.soql_parser import parse

_ZULU = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+0000$")
QUERY_JOBS_PER_DAY = 10_000
DEFAULT_MAX_RECORDS = 50_000  # a results set, when maxRecords is not given
CSV_TYPE = "text/csv"
NULL = "#N/A"


@dataclass(frozen=True, slots=True)
class Text:
    """A non-JSON answer body (CSV), with the headers that go with it."""

    content: str
    content_type: str = CSV_TYPE
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class JobFault:
    """What the next job of one kind does instead of finishing: fail or hang."""

    kind: str  # query | ingest
    mode: str  # fail | hang
    message: str = "InternalServerError: the job could not be processed"
    processed: int = 0  # ingest: rows processed before the job failed


@dataclass
class Job:
    id: str
    kind: str  # query | ingest
    operation: str
    object: str
    state: str
    created: str
    api_version: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    external_id: str | None = None
    uploaded: list[dict[str, str]] = field(default_factory=list)
    succeeded: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unprocessed: list[dict[str, str]] = field(default_factory=list)
    fault: JobFault | None = None
    polls: int = 0
    error: str | None = None

    def info(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.object,
            "createdDate": self.created, "systemModstamp": self.created, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.api_version), "lineEnding": "LF", "columnDelimiter": "COMMA",
        }  # fmt: skip
        if self.kind == "ingest":
            body["externalIdFieldName"] = self.external_id
            body["numberRecordsProcessed"] = len(self.succeeded) + len(self.failed)
            body["numberRecordsFailed"] = len(self.failed)
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        elif self.state == "JobComplete":
            body["numberRecordsProcessed"] = len(self.rows)
        if self.error:
            body["errorMessage"] = self.error
        return body


class BulkJobs:
    """The org's Bulk API 2.0 jobs and the faults planned for the next ones."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.faults: list[JobFault] = []
        self.query_jobs_today = 0
        self._numbers = itertools.count(1)

    def plan(self, kind: str, mode: str, **options: Any) -> JobFault:
        """The next `kind` job fails (`mode="fail"`) or hangs in InProgress (`"hang"`)."""
        fault = JobFault(kind, mode, **options)
        self.faults.append(fault)
        return fault

    def limits(self) -> dict[str, dict[str, int]]:
        left = max(0, QUERY_JOBS_PER_DAY - self.query_jobs_today)
        return {"DailyBulkV2QueryJobs": {"Max": QUERY_JOBS_PER_DAY, "Remaining": left}}

    def new_id(self) -> str:
        id15 = f"750Dn0{next(self._numbers):09d}"
        return id15 + checksum(id15)

    def take_fault(self, kind: str) -> JobFault | None:
        for fault in self.faults:
            if fault.kind == kind:
                self.faults.remove(fault)
                return fault
        return None

    def get(self, job_id: str, kind: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.kind != kind:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job


# ---- query jobs ----------------------------------------------------------------------------


def create_query(org: Org, body: Any) -> Reply:
    jobs: BulkJobs = org.bulk
    if not isinstance(body, dict) or body.get("operation") not in {"query", "queryAll"}:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : operation must be query or queryAll")
    soql = str(body.get("query") or "")
    query = parse(soql)
    if query.aggregated or query.count or query.offset is not None:
        raise ApiError(
            400, "API_ERROR",
            "Bulk API 2.0 does not support GROUP BY, OFFSET, TYPEOF or aggregate functions",
        )  # fmt: skip
    if jobs.query_jobs_today >= QUERY_JOBS_PER_DAY:
        raise ApiError(400, "EXCEEDED_QUOTA", "TotalRequests Limit exceeded.")
    jobs.query_jobs_today += 1
    answer = org.queries.run(
        soql, include_deleted=body["operation"] == "queryAll", batch=10**9,
        today=org.clock.now().date(),
    )  # fmt: skip
    columns = [ref.dotted for ref in query.fields]
    job = Job(
        jobs.new_id(), "query", body["operation"], query.sobject, "UploadComplete",
        _stamp(org), org.version, columns,
        [[_cell(_walk(record, c.split("."))) for c in columns] for record in answer["records"]],
    )  # fmt: skip
    job.fault = jobs.take_fault("query")
    jobs.jobs[job.id] = job
    return Reply(200, job.info())


def query_info(org: Org, job_id: str) -> Reply:
    job = org.bulk.get(job_id, "query")
    _advance(job)
    return Reply(200, job.info())


def query_results(org: Org, job_id: str, locator: str | None, max_records: str | None) -> Reply:
    job = org.bulk.get(job_id, "query")
    if job.state != "JobComplete":
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Job {job_id} is not complete: {job.state}")
    start = int(locator) if locator and locator.isdigit() else 0
    size = int(max_records) if max_records and max_records.isdigit() else DEFAULT_MAX_RECORDS
    chunk = job.rows[start : start + size]
    following = start + size
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(job.columns)
    writer.writerows(chunk)
    headers = {
        "Sforce-Locator": str(following) if following < len(job.rows) else "null",
        "Sforce-NumberOfRecords": str(len(chunk)),
    }
    return Reply(200, Text(out.getvalue(), CSV_TYPE, headers))


def abort(org: Org, job_id: str, kind: str, body: Any) -> Reply:
    """PATCH a job: `Aborted` (any job), or `UploadComplete` (an open ingest job)."""
    job = org.bulk.get(job_id, kind)
    state = body.get("state") if isinstance(body, dict) else None
    if state == "Aborted" and job.state not in {"JobComplete", "Failed", "Aborted"}:
        job.state = "Aborted"
        if kind == "ingest":
            done = {r["__row"] for r in (*job.succeeded, *job.failed)}
            job.unprocessed = [r for r in job.uploaded if r["__row"] not in done]
    elif state == "UploadComplete" and kind == "ingest" and job.state == "Open":
        job.state = "UploadComplete"
    else:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : cannot move a {job.state} job to {state}")
    return Reply(200, job.info())


def delete(org: Org, job_id: str, kind: str) -> Reply:
    org.bulk.get(job_id, kind)
    del org.bulk.jobs[job_id]
    return Reply(204, None)


def _advance(job: Job) -> None:
    """One look at a job moves it on: UploadComplete -> InProgress -> JobComplete, or to the
    planned fault."""
    job.polls += 1
    if job.state in {"JobComplete", "Failed", "Aborted", "Open"}:
        return
    if job.fault is not None and job.fault.mode == "hang":
        job.state = "InProgress"
        return
    if job.fault is not None and job.fault.mode == "fail":
        job.state, job.error = "Failed", job.fault.message
        return
    job.state = "JobComplete"


# ---- ingest jobs ---------------------------------------------------------------------------


def create_ingest(org: Org, body: Any) -> Reply:
    operation = body.get("operation") if isinstance(body, dict) else None
    if operation not in {"upsert", "update"}:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : this org takes upsert and update jobs")
    obj = org.writer.object(str(body.get("object")))
    if operation == "update":  # by record id, given in each row's Id column
        key_field = "Id"
    else:
        external = str(body.get("externalIdFieldName") or "")
        ref = obj.field(external)
        if ref is None or not ref.external_id:
            raise ApiError(
                400, "INVALIDJOB", f"InvalidJob : {external} is not an external id field"
            )
        key_field = ref.name
    jobs: BulkJobs = org.bulk
    job = Job(jobs.new_id(), "ingest", operation, obj.name, "Open", _stamp(org), org.version)
    job.external_id = key_field
    job.fault = jobs.take_fault("ingest")
    jobs.jobs[job.id] = job
    return Reply(200, job.info())


def upload(org: Org, job_id: str, data: str) -> Reply:
    job = org.bulk.get(job_id, "ingest")
    if job.state != "Open":
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Job {job_id} is not open: {job.state}")
    reader = csv.DictReader(io.StringIO(data))
    start = len(job.uploaded)
    job.uploaded += [{**row, "__row": str(start + n)} for n, row in enumerate(reader)]
    return Reply(201, None)


def ingest_info(org: Org, job_id: str) -> Reply:
    job = org.bulk.get(job_id, "ingest")
    job.polls += 1
    if job.state in {"UploadComplete", "InProgress"}:
        if job.fault and job.fault.mode == "hang":
            job.state = "InProgress"
        else:
            _process(org, job)
    return Reply(200, job.info())


def _process(org: Org, job: Job) -> None:
    """Upsert (or update by Id) every uploaded row, each on its own (one bad row fails only
    itself)."""
    obj = org.writer.object(job.object)
    limit = job.fault.processed if job.fault and job.fault.mode == "fail" else None
    for index, row in enumerate(job.uploaded):
        if limit is not None and index >= limit:
            job.unprocessed = job.uploaded[index:]
            job.state, job.error = "Failed", job.fault.message if job.fault else None
            return
        values = {k: v for k, v in row.items() if k != "__row"}
        try:
            body = {
                name: _typed(obj, name, value)
                for name, value in values.items()
                if value != "" and name != job.external_id
            }
            key = values.get(str(job.external_id), "")
            if not key:
                raise RecordFailure("MISSING_ARGUMENT", f"{job.external_id} not specified")
            with org.store.lock:
                if job.operation == "update":
                    org.writer.update(obj, key, body)
                    record_id, created = key, False
                else:
                    record_id, created = org.writer.upsert(obj, str(job.external_id), key, body)
            job.succeeded.append({"sf__Id": record_id, "sf__Created": _bool(created), **row})
        except RecordFailure as failure:
            error = failure.error
            job.failed.append(
                {"sf__Id": "", "sf__Error": f"{error.status_code}:{error.message}", **row}
            )
        except ApiError as error:
            job.failed.append({"sf__Id": "", "sf__Error": f"{error.code}:{error.message}", **row})
    job.state = "JobComplete"


def ingest_results(org: Org, job_id: str, which: str) -> Reply:
    job = org.bulk.get(job_id, "ingest")
    if which not in _RESULTS:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    lead = _RESULTS[which]
    rows = {"successfulResults": job.succeeded, "failedResults": job.failed,
            "unprocessedrecords": job.unprocessed}[which]  # fmt: skip
    names = [k for k in (job.uploaded[0] if job.uploaded else {}) if k != "__row"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([*lead, *names])
    writer.writerows([[r.get(c, "") for c in (*lead, *names)] for r in rows])
    return Reply(200, Text(out.getvalue()))


_RESULTS = {
    "successfulResults": ["sf__Id", "sf__Created"],
    "failedResults": ["sf__Id", "sf__Error"],
    "unprocessedrecords": [],
}


def _typed(obj: Any, name: str, value: str) -> Any:
    """A CSV field as the JSON value the REST API would take for the field's type."""
    if value == NULL:
        return None
    found = obj.field(name)
    kind = found.type if found is not None else "string"
    if kind in {"double", "currency", "percent"}:
        return float(value)
    if kind == "int":
        return int(float(value))
    if kind == "boolean":
        return value.strip().lower() == "true"
    return value


def _walk(record: Any, parts: list[str]) -> Any:
    node = record
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = next((v for k, v in node.items() if k.lower() == part.lower()), None)
    return node


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _bool(value)
    text = str(value)
    return _ZULU.sub(r"\1Z", text)  # Bulk answers datetimes in UTC with a Z


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _stamp(org: Org) -> str:
    return str(org.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000+0000"))
