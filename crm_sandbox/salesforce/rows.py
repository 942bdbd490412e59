"""Single-record resources: sObject rows by id and by external id, describe, limits.

Status codes as the REST API answers them: create 201 with `{id, success, errors}`,
update and delete 204 with no body, upsert by external id 201 (created) or 200 (updated, with
`created: false`), 300 with the candidate URLs when an external id matches several rows,
404 NOT_FOUND for an unknown or deleted row. A single write that fails validation answers
400 with the error array.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.salesforce.describe import describe_object, global_describe, object_summary
from crm_sandbox.salesforce.errors import ApiError, RecordFailure, not_found
from crm_sandbox.salesforce.ids import to18
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.schema import ObjectDef
from crm_sandbox.salesforce.store import Row
from crm_sandbox.salesforce.values import coerce


def _fail(failure: RecordFailure, status: int = 400) -> ApiError:
    error = failure.error
    return ApiError(status, error.status_code, error.message, list(error.fields))


def _check_lock(org: Org, method: str, path: str) -> None:
    if org.faults.locked_rows(method, path, 1):
        raise ApiError(
            400,
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record or 1 records",
        )


def render(org: Org, obj: ObjectDef, row: Row, fields: str | None) -> dict[str, Any]:
    names = [f.strip() for f in fields.split(",")] if fields else list(obj.fields)
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": org.url(obj.name, row["Id"])}}
    for name in names:
        field = obj.field(name)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
        out[field.name] = row.get(field.name)
    return out


def _live_row(org: Org, obj: ObjectDef, record_id: str) -> Row:
    full = to18(record_id)
    row = org.store.table(obj.name).get(full) if full else None
    if row is None or row.get("IsDeleted"):
        raise not_found()
    return row


def get(org: Org, sobject: str, record_id: str, fields: str | None) -> Reply:
    obj = org.writer.object(sobject)
    return Reply(200, render(org, obj, _live_row(org, obj, record_id), fields))


def create(org: Org, method: str, path: str, sobject: str, body: Any) -> Reply:
    obj = org.writer.object(sobject)
    _check_lock(org, method, path)
    with org.store.transaction() as log:
        try:
            new_id = org.writer.create(obj, _body(body))
        except RecordFailure as failure:
            org.store.rollback(log)
            raise _fail(failure) from None
    return Reply(201, {"id": new_id, "success": True, "errors": []})


def update(  # noqa: PLR0917 - mirrors the route's path parameters
    org: Org, method: str, path: str, sobject: str, record_id: str, body: Any
) -> Reply:
    obj = org.writer.object(sobject)
    _live_row(org, obj, record_id)
    _check_lock(org, method, path)
    with org.store.transaction() as log:
        try:
            org.writer.update(obj, record_id, _body(body))
        except RecordFailure as failure:
            org.store.rollback(log)
            raise _fail(failure) from None
    return Reply(204)


def delete(org: Org, method: str, path: str, sobject: str, record_id: str) -> Reply:
    obj = org.writer.object(sobject)
    full = to18(record_id)
    row = org.store.table(obj.name).get(full) if full else None
    if row is None:
        raise not_found()
    if row.get("IsDeleted"):
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
    _check_lock(org, method, path)
    org.writer.delete(row["Id"])
    return Reply(204)


def get_by_external(
    org: Org, sobject: str, field_name: str, value: str, fields: str | None
) -> Reply:
    obj = org.writer.object(sobject)
    field = obj.field(field_name)
    if field is None or not field.external_id:
        raise not_found()
    matches = org.store.find(obj.name, field.name, coerce(field, value))
    if not matches:
        raise not_found()
    if len(matches) > 1:
        return Reply(300, [org.url(obj.name, m) for m in matches])
    return Reply(200, render(org, obj, org.store.table(obj.name)[matches[0]], fields))


def upsert(  # noqa: PLR0917 - mirrors the route's path parameters
    org: Org, method: str, path: str, sobject: str, field_name: str, value: str, body: Any
) -> Reply:
    obj = org.writer.object(sobject)
    field = obj.field(field_name)
    if field is None or not field.external_id:
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {field_name}",
        )
    key = coerce(field, value)
    matches = org.store.find(obj.name, field.name, key)
    if len(matches) > 1:
        return Reply(300, [org.url(obj.name, m) for m in matches])
    _check_lock(org, method, path)
    with org.store.transaction() as log:
        try:
            record_id, created = org.writer.upsert(obj, field.name, key, _body(body))
        except RecordFailure as failure:
            org.store.rollback(log)
            raise _fail(failure) from None
    result = {"id": record_id, "success": True, "errors": [], "created": created}
    return Reply(201 if created else 200, result)


def sobject_info(org: Org, sobject: str) -> Reply:
    obj = org.writer.object(sobject)
    return Reply(200, {"objectDescribe": object_summary(obj, org.version), "recentItems": []})


def describe(org: Org, sobject: str) -> Reply:
    obj = org.writer.object(sobject)
    return Reply(200, describe_object(org.schema, obj, org.version))


def describe_all(org: Org) -> Reply:
    return Reply(200, global_describe(org.schema, org.version))


def limits(org: Org) -> Reply:
    body = org.allowance.limits_body()
    if org.bulk is not None:
        body |= org.bulk.limits()
    return Reply(200, body)


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body
