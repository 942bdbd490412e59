"""Batch writes through sObject Collections: upsert by external id, update by Id.

- Upsert: PATCH /composite/sobjects/{object}/{key field}, update: PATCH /composite/sobjects;
  at most 200 records a call, `allOrNone: false` so one bad record never holds back the
  others, each record with `attributes: {type}`; results come back in request order
  (Upsert Records Using sObject Collections,
  https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html).
- Per-record errors are data, not exceptions: WriteOutcome(ok=False, code, message, fields).
- UNABLE_TO_LOCK_ROW (another transaction held the row or its parent) is retried for the
  locked records only, a few rounds with back-off; the outcomes are merged in input order.
- Call-level transient failures are the door's business: both writes are idempotent (the
  same upsert twice lands on the same record; an update by Id sets the same values), so a
  write whose acknowledgement was lost is simply sent again. The repeat of a lost upsert
  reports `created: false` for a record the first attempt created.
- Dotted keys (`Account.Renewal_Sync_Key__c`) become nested references
  (`"Account": {"Renewal_Sync_Key__c": ...}`), Salesforce's way to point a lookup at a parent
  by its external id; the reverse of how pulls flatten parent fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from simple_salesforce import Salesforce
from tenacity import retry_if_result

from sync.connectors.salesforce.errors import CallContext
from sync.connectors.salesforce.session import TIMEOUT, Door
from sync.connectors.salesforce.soql import check_field, check_object
from sync.core.logs import get_logger
from sync.core.ports import RECORD_ID, FlatRecord, WriteOutcome

COLLECTION_SIZE = 200
LOCKED = "UNABLE_TO_LOCK_ROW"
log = get_logger("sync.connectors.salesforce")


def upsert(
    door: Door, object_name: str, key_field: str, records: Sequence[FlatRecord]
) -> list[WriteOutcome]:
    path = f"composite/sobjects/{check_object(object_name)}/{check_field(key_field)}"
    return _write(door, path, object_name, records)


def update(door: Door, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
    """Update by record id, given as the port's RECORD_ID (or as `Id`)."""
    by_id = [{("Id" if k == RECORD_ID else k): v for k, v in r.items()} for r in records]
    return _write(door, "composite/sobjects", check_object(object_name), by_id)


def delete(door: Door, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
    """DELETE /composite/sobjects?ids=..., 200 a call; an already deleted record counts as done."""
    context = CallContext(check_object(object_name), ())
    outcomes: list[WriteOutcome] = []
    for start in range(0, len(record_ids), COLLECTION_SIZE):
        ids = ",".join(record_ids[start : start + COLLECTION_SIZE])
        answer = door.call(partial(_delete, ids), context)
        outcomes += [_gone_is_done(outcome_of(result)) for result in answer or []]
    return outcomes


def _delete(ids: str, sf: Salesforce) -> Any:
    return sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": ids, "allOrNone": "false"},
        timeout=TIMEOUT,
    )  # fmt: skip


def _gone_is_done(outcome: WriteOutcome) -> WriteOutcome:
    if outcome.error_code in {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}:
        return WriteOutcome(ok=True, record_id=outcome.record_id)
    return outcome


def _write(
    door: Door, path: str, object_name: str, records: Sequence[FlatRecord]
) -> list[WriteOutcome]:
    bodies = [body_of(object_name, record) for record in records]
    context = CallContext(object_name, tuple(sorted({k for r in records for k in r})))
    outcomes: list[WriteOutcome] = []
    for start in range(0, len(bodies), COLLECTION_SIZE):
        chunk = bodies[start : start + COLLECTION_SIZE]
        outcomes.extend(_write_chunk(door, path, chunk, context))
    return outcomes


def _write_chunk(
    door: Door, path: str, chunk: list[dict[str, Any]], context: CallContext
) -> list[WriteOutcome]:
    """One collection call, then rounds with back-off for the locked records only."""
    outcomes: list[WriteOutcome] = []
    pending = list(range(len(chunk)))

    def send_pending() -> list[int]:
        nonlocal pending
        body = {"allOrNone": False, "records": [chunk[i] for i in pending]}
        answer = door.call(partial(_patch, path, body), context)
        results = [outcome_of(result) for result in answer or []]
        if not outcomes:
            outcomes.extend(results)
        else:
            for index, result in zip(pending, results, strict=True):
                outcomes[index] = result
        pending = [i for i in pending if outcomes[i].error_code == LOCKED]
        if pending:
            log.info("salesforce.rows_locked", object=context.object_name, locked=len(pending))
        return pending

    retrying = door.retrying(
        retry_if_result(bool), attempts=door.policy.lock_attempts, give_up=list, reason=LOCKED
    )
    retrying(send_pending)
    return outcomes


def _patch(path: str, body: dict[str, Any], sf: Salesforce) -> Any:
    return sf.restful(path, method="PATCH", json=body, timeout=TIMEOUT)


def body_of(object_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The collection body of one record: `attributes`, nested parent references."""
    body: dict[str, Any] = {"attributes": {"type": object_name}}
    for key, value in record.items():
        if key == "attributes":
            continue
        target = body
        *parents, name = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = _wire(value)
    return body


def _wire(value: Any) -> Any:
    """JSON has no decimal type: money goes as a number, exact to the cent it was rounded to."""
    return float(value) if isinstance(value, Decimal) else value


def outcome_of(result: Mapping[str, Any]) -> WriteOutcome:
    """A SaveResult / UpsertResult as the port's outcome (first error, every error field)."""
    errors = result.get("errors") or []
    first = errors[0] if errors else {}
    fields = tuple(dict.fromkeys(f for error in errors for f in error.get("fields") or ()))
    return WriteOutcome(
        ok=bool(result.get("success")),
        record_id=result.get("id"),
        created=bool(result.get("created", False)),
        error_code=first.get("statusCode"),
        error_message=first.get("message"),
        error_fields=fields,
    )
