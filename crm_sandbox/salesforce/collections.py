"""sObject Collections: create, update, upsert, retrieve and delete up to 200 records a call.

Results come back in request order as SaveResults `{id, success, errors[, created]}`. With
allOrNone=false each record stands alone; with allOrNone=true any failure rolls every write
of the call back and the records that would have succeeded report
ALL_OR_NONE_OPERATION_ROLLED_BACK. The lock_rows fault fails a seeded share of records with
UNABLE_TO_LOCK_ROW, as lock contention on a shared parent does in a busy org.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from crm_sandbox.salesforce.errors import ApiError, RecordError, RecordFailure
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.values import coerce

MAX_RECORDS = 200
MAX_RETRIEVE = 2000
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)
Operation = Callable[[dict[str, Any]], tuple[str | None, bool | None]]


def too_many() -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )


def _records(body: Any) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must contain a records list")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise too_many()
    return records, bool(body.get("allOrNone", False))


def _type_of(org: Org, record: dict[str, Any]) -> str:
    kind = (record.get("attributes") or {}).get("type") if isinstance(record, dict) else None
    if not kind:
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    return org.writer.object(str(kind)).name


def value_of(record: dict[str, Any], name: str) -> Any:
    """A field of a request record by its API name, in any case: Salesforce reads `id`,
    `ID` and `Id` alike (field names are case-insensitive in request bodies)."""
    if name in record:
        return record[name]
    wanted = name.lower()
    return next((v for k, v in record.items() if k.lower() == wanted), None)


def _lock_target(record: dict[str, Any]) -> str:
    for key in ("Id", "AccountId", "OpportunityId", "WhatId"):
        if isinstance(value := value_of(record, key), str):
            return value
    return ""


def run_batch(
    org: Org,
    method: str,
    path: str,
    records: list[dict[str, Any]],
    *,
    all_or_none: bool,
    op: Operation,
    upsert: bool = False,
) -> Reply:
    """Apply `op` to each record in one transaction and build the SaveResults."""
    locked = org.faults.locked_rows(method, path, len(records))
    results: list[dict[str, Any]] = []
    failed = False
    with org.store.transaction() as log:
        try:
            for index, record in enumerate(records):
                result = _one(org, record, index in locked, op, upsert)
                failed = failed or not result["success"]
                results.append(result)
        except ApiError:  # a request-level error (unknown field, bad JSON) writes nothing
            org.store.rollback(log)
            raise
        if failed and all_or_none:
            org.store.rollback(log)
            for result in results:
                if result["success"]:
                    result.update(success=False, errors=[ROLLED_BACK.as_json()])
                    result.pop("created", None)
                    if result.get("_new"):
                        result.pop("id", None)
    for result in results:
        result.pop("_new", None)
    return Reply(200, results)


def _one(
    org: Org, record: dict[str, Any], locked: bool, op: Operation, upsert: bool
) -> dict[str, Any]:
    given = value_of(record, "Id")
    record_id = given if isinstance(given, str) else None
    if locked:
        message = (
            f"unable to obtain exclusive access to this record or 1 records: {_lock_target(record)}"
        )
        return _failure(record_id, RecordError("UNABLE_TO_LOCK_ROW", message))
    with org.store.transaction() as log:
        try:
            new_id, created = op(record)
        except RecordFailure as failure:
            org.store.rollback(log)
            return _failure(record_id, failure.error)
    result: dict[str, Any] = {"id": new_id, "success": True, "errors": []}
    if upsert:
        result["created"] = bool(created)
    result["_new"] = record_id is None and (created or not upsert)
    return result


def _failure(record_id: str | None, error: RecordError) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [error.as_json()]}
    if record_id:
        result = {"id": record_id, **result}
    return result


def create(org: Org, method: str, path: str, body: Any) -> Reply:
    records, all_or_none = _records(body)
    for record in records:
        _type_of(org, record)
        if value_of(record, "Id") is not None:
            raise ApiError(
                400, "INVALID_FIELD", "Id field should not be specified in the sobject data."
            )

    def op(record: dict[str, Any]) -> tuple[str | None, bool | None]:
        obj = org.writer.object(_type_of(org, record))
        return org.writer.create(obj, record), True

    return run_batch(org, method, path, records, all_or_none=all_or_none, op=op)


def update(org: Org, method: str, path: str, body: Any) -> Reply:
    records, all_or_none = _records(body)
    for record in records:
        _type_of(org, record)

    def op(record: dict[str, Any]) -> tuple[str | None, bool | None]:
        record_id = value_of(record, "Id")
        if not isinstance(record_id, str) or not record_id:
            raise RecordFailure("MISSING_ARGUMENT", "Id not specified in an update call")
        obj = org.writer.object(_type_of(org, record))
        org.writer.update(obj, record_id, record)
        return record_id, False

    return run_batch(org, method, path, records, all_or_none=all_or_none, op=op)


def upsert(  # noqa: PLR0917 - mirrors the route's path parameters
    org: Org, method: str, path: str, sobject: str, field_name: str, body: Any
) -> Reply:
    records, all_or_none = _records(body)
    obj = org.writer.object(sobject)
    field = obj.field(field_name)
    if field is None or not field.external_id:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"Field {field_name} is not a valid external id field for {obj.name}",
        )
    keys = [_key_of(r, field.name) for r in records]
    counts = Counter(str(k).lower() for k in keys if k is not None)

    def op(record: dict[str, Any]) -> tuple[str | None, bool | None]:
        key = _key_of(record, field.name)
        if key is None:
            raise RecordFailure("MISSING_ARGUMENT", f"{field.name} not specified")
        if counts[str(key).lower()] > 1:
            raise RecordFailure(
                "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {key}", (field.name,)
            )
        return org.writer.upsert(obj, field.name, coerce(field, key), record)

    return run_batch(org, method, path, records, all_or_none=all_or_none, op=op, upsert=True)


def _key_of(record: dict[str, Any], field_name: str) -> Any:
    for key, value in record.items():
        if key.lower() == field_name.lower():
            return value
    return None


def retrieve(org: Org, sobject: str, ids: str, fields: str) -> Reply:
    obj = org.writer.object(sobject)
    wanted = [i for i in ids.split(",") if i]
    if len(wanted) > MAX_RETRIEVE:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", f"Maximum number of ids is {MAX_RETRIEVE}")
    names = []
    for name in (f.strip() for f in fields.split(",") if f.strip()):
        field = obj.field(name)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
        names.append(field.name)
    out: list[dict[str, Any] | None] = []
    for record_id in wanted:
        row = org.store.get(record_id) if len(record_id) in (15, 18) else None
        if row is None or row.get("IsDeleted") or org.schema.by_prefix(row["Id"]) is not obj:
            out.append(None)
            continue
        item: dict[str, Any] = {
            "attributes": {"type": obj.name, "url": org.url(obj.name, row["Id"])}
        }
        item.update({name: row.get(name) for name in names})
        out.append(item)
    return Reply(200, out)


def retrieve_posted(org: Org, sobject: str, body: Any) -> Reply:
    """`POST composite/sobjects/{type}` with `{"ids": [...], "fields": [...]}`: the same
    retrieve for id lists too long for a URL (up to 2,000 ids)."""
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body needs ids and fields lists")
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise ApiError(400, "MISSING_ARGUMENT", "fields: at least one field name is required")
    return retrieve(org, sobject, ",".join(map(str, body["ids"])), ",".join(map(str, fields)))


def delete(org: Org, method: str, path: str, ids: str, all_or_none: bool) -> Reply:
    wanted = [i for i in ids.split(",") if i]
    if len(wanted) > MAX_RECORDS:
        raise too_many()
    records = [{"Id": i} for i in wanted]

    def op(record: dict[str, Any]) -> tuple[str | None, bool | None]:
        org.writer.delete(record["Id"])
        return record["Id"], False

    return run_batch(org, method, path, records, all_or_none=all_or_none, op=op)
