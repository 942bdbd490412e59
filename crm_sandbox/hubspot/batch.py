"""Batch read, create, update, archive and upsert: 100 inputs a call, partial failures in a 207.

What the real API does (https://developers.hubspot.com/docs/api-reference/error-handling,
"Multi-status errors", and the batch reference pages):

- more than 100 inputs: the whole call fails 400 and nothing is written;
- an invalid property value anywhere fails the whole call 400 (nothing written) - except batch
  create with an `objectWriteTraceId` on the inputs, where the failed inputs are reported one by
  one in a 207 next to the created records, each error's `context.objectWriteTraceId` naming it;
- batch read and update report ids that do not exist as one OBJECT_NOT_FOUND error with
  `context.ids` in a 207, next to the records that were read or written;
- upsert by a unique `idProperty` creates what is missing and updates what exists, answering
  `new: true|false` per record; the same id twice in one call is refused ("Duplicate IDs");
- archive answers 204 whatever happened.

HubSpot has no row locks. The `lock_rows` fault is rendered as the closest transient failure it
does have, the 423 Locked a record answers under concurrent writes: in a batch each locked input
is a per-record error (category CONFLICT, subCategory crm.objects.RECORD_LOCKED) inside a 207, and
nothing is written for it; a batch create without trace ids, which cannot report per input,
answers 423 as a whole.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.hubspot import associations
from crm_sandbox.hubspot.context import ApiRequest, Reply, State, batch_body, property_names
from crm_sandbox.hubspot.errors import HubSpotError, batch_error, validation
from crm_sandbox.hubspot.objects import clean_properties, find, unique_conflict
from crm_sandbox.hubspot.schema import iso_ms
from crm_sandbox.hubspot.store import ObjectStore

LOCKED_MESSAGE = "This record is locked by a concurrent write (423 Locked); retry in 2 seconds"


def locked_error(context: dict[str, list[str]]) -> dict[str, Any]:
    error = batch_error("CONFLICT", LOCKED_MESSAGE, context)
    error["subCategory"] = "crm.objects.RECORD_LOCKED"
    return error


def locked_response() -> HubSpotError:
    return HubSpotError(
        423, "CONFLICT", LOCKED_MESSAGE, extra={"subCategory": "crm.objects.RECORD_LOCKED"}
    )


def _reply(state: State, ok: int, results: list[Any], errors: list[dict[str, Any]]) -> Reply:
    body = batch_body(iso_ms(state.clock.now()), results, errors)
    return Reply(207 if errors else ok, body)


def _missing(store: ObjectStore, ids: list[str]) -> dict[str, Any]:
    kind = store.schema.singular.upper()
    message = (
        f"Could not get some {kind} objects, they may be deleted or not exist. "
        "Check that ids are valid."
    )
    return batch_error("OBJECT_NOT_FOUND", message, {"ids": ids})


def _no_duplicates(keys: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({k for k in keys if k in seen or seen.add(k)})  # type: ignore[func-returns-value]
    if dupes:
        raise validation(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")


def batch_read(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.store(object_type)
    body = req.json_object()
    inputs = req.inputs()
    names = property_names(store.schema, body.get("properties") or None)
    id_property = body.get("idProperty")
    results, missing = [], []
    for item in inputs:
        key = str(item.get("id", ""))
        record = find(store, key, id_property, archived=req.flag("archived"))
        if record is None:
            missing.append(key)
        else:
            results.append(record.to_json(names))
    return _reply(state, 200, results, [_missing(store, missing)] if missing else [])


def batch_create(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.writable_store(object_type)
    inputs = req.inputs()
    traced = any("objectWriteTraceId" in item for item in inputs)
    locked = state.faults.locked_rows(req.method, req.path, len(inputs))
    if locked and not traced:
        raise locked_response()
    prepared: list[tuple[dict[str, str | None], list[Any]]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(inputs):
        trace = {"objectWriteTraceId": [str(item.get("objectWriteTraceId", index))]}
        try:
            if index in locked:
                errors.append(locked_error(trace))
                continue
            props = clean_properties(store.schema, item.get("properties"), creating=True)
            links = associations.inline(state, store.schema.name, item.get("associations"))
            unique_conflict(store, props, None)
            _unique_within(store, prepared, props)
            prepared.append((props, links))
        except HubSpotError as exc:
            if not traced:
                raise
            errors.append(batch_error(exc.category, exc.message, trace))
    results = [_create(state, store, props, links) for props, links in prepared]
    return _reply(state, 201, results, errors)


def _unique_within(store: ObjectStore, prepared: list[Any], props: dict[str, str | None]) -> None:
    for name in store.schema.unique_properties:
        value = props.get(name)
        if value is not None and any(p.get(name) == value for p, _ in prepared):
            raise HubSpotError(
                409, "CONFLICT", f"Duplicate value {value!r} for unique property {name} in batch"
            )


def _create(
    state: State, store: ObjectStore, props: dict[str, str | None], links: list[Any]
) -> dict[str, Any]:
    record = store.insert(props, state.clock.now())
    for assoc, to_id in links:
        state.associations.add(assoc, record.id, to_id)
    return record.to_json(None)


def batch_update(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.writable_store(object_type)
    inputs = req.inputs()
    _no_duplicates([str(item.get("id", "")) for item in inputs])
    locked = state.faults.locked_rows(req.method, req.path, len(inputs))
    planned, missing, errors = [], [], []
    for index, item in enumerate(inputs):
        key = str(item.get("id", ""))
        record = find(store, key, item.get("idProperty"))
        props = clean_properties(store.schema, item.get("properties"), creating=False)
        if record is None:
            missing.append(key)
        elif index in locked:
            errors.append(locked_error({"ids": [key]}))
        else:
            unique_conflict(store, props, record.id)
            planned.append((record, props))
    now = state.clock.now()
    for record, props in planned:
        store.apply(record, props, now)
    if missing:
        errors.insert(0, _missing(store, missing))
    return _reply(state, 200, [r.to_json(None) for r, _ in planned], errors)


def batch_archive(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.writable_store(object_type)
    now = state.clock.now()
    for item in req.inputs():
        record = store.get(str(item.get("id", "")))
        if record is not None:
            store.archive(record, now)
    return Reply(204)


def batch_upsert(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.writable_store(object_type)
    inputs = req.inputs()
    _no_duplicates([f"{item.get('idProperty')}:{item.get('id')}" for item in inputs])
    locked = state.faults.locked_rows(req.method, req.path, len(inputs))
    planned, errors = [], []
    for index, item in enumerate(inputs):
        id_property, key = _upsert_key(store, item)
        props = clean_properties(store.schema, item.get("properties"), creating=True)
        props[id_property] = key
        if index in locked:
            errors.append(locked_error({"ids": [key]}))
            continue
        record = store.by_unique(id_property, key)
        unique_conflict(store, props, None if record is None else record.id)
        planned.append((record, props))
    now = state.clock.now()
    results = []
    for record, props in planned:
        if record is None:
            created = store.insert(props, now)
            results.append({**created.to_json(None), "new": True})
        else:
            props.pop(store.schema.created, None)
            store.apply(record, props, now)
            results.append({**record.to_json(None), "new": False})
    return _reply(state, 200, results, errors)


def _upsert_key(store: ObjectStore, item: dict[str, Any]) -> tuple[str, str]:
    id_property, key = item.get("idProperty"), item.get("id")
    prop = store.schema.get(str(id_property)) if id_property else None
    if prop is None or not prop.unique or prop.name == "hs_object_id":
        message = f"idProperty {id_property!r} is not a unique property of {store.schema.name}"
        raise validation(message, context={"idProperty": [str(id_property)]})
    if key in (None, ""):
        raise validation("Each upsert input needs an `id`: the value of its idProperty")
    return prop.name, str(key)
