"""Basic CRUD of /crm/v3/objects/{object_type}: list, read, create, update, archive.

Behaviour from https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects
and each object's guide: list pages hold at most 100 records and carry `paging.next.after` (an
opaque cursor) with a `link`; `properties` picks what comes back (unknown names are ignored;
unset ones are null); `archived=true` lists only archived records; `idProperty` reads or updates
by a unique property; create answers 201. A value that breaks a unique property is refused with
409 CONFLICT naming the record that holds it.
"""

from __future__ import annotations

import itertools
from typing import Any

from crm_sandbox.hubspot import associations
from crm_sandbox.hubspot.context import ApiRequest, Reply, State, property_names
from crm_sandbox.hubspot.errors import (
    HubSpotError,
    invalid_properties,
    missing_property,
    not_found,
    validation,
)
from crm_sandbox.hubspot.schema import ObjectSchema, PropertyValueError, normalize
from crm_sandbox.hubspot.store import ObjectStore, Record

LIST_LIMIT = 100


def clean_properties(obj: ObjectSchema, raw: Any, *, creating: bool) -> dict[str, str | None]:
    """Validate and convert a `properties` map; all problems reported in one 400.

    Values HubSpot calculates (hs_object_id, hs_lastmodifieddate, amount...) are dropped
    silently; the created date may be set on create only (imports backfill history)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise validation("Invalid input JSON: `properties` must be an object")
    clean: dict[str, str | None] = {}
    problems: list[PropertyValueError] = []
    for name, value in raw.items():
        prop = obj.get(name)
        if prop is None:
            problems.append(missing_property(name))
            continue
        if prop.read_only or (name == obj.created and not creating):
            continue
        try:
            clean[name] = normalize(prop, value)
        except PropertyValueError as problem:
            problems.append(problem)
    if problems:
        raise invalid_properties(problems)
    return clean


def unique_conflict(store: ObjectStore, props: dict[str, str | None], own_id: int | None) -> None:
    conflicts = store.conflicts(props, own_id)
    if conflicts:
        name, value, holder = conflicts[0]
        message = (
            f"A {store.schema.singular} with {name} {value!r} already exists. Existing ID: {holder}"
        )
        raise HubSpotError(409, "CONFLICT", message, context={"id": [str(holder)], name: [value]})


def find(
    store: ObjectStore, key: str, id_property: str | None, *, archived: bool = False
) -> Record | None:
    if id_property is None or id_property == "hs_object_id":
        return store.get(key, archived=archived)
    prop = store.schema.get(id_property)
    if prop is None or not prop.unique:
        raise validation(f"{id_property} is not a unique property of {store.schema.name}")
    record = store.by_unique(id_property, key)
    return None if record is None or record.archived != archived else record


def render(record: Record, obj: ObjectSchema, requested: list[str] | None) -> dict[str, Any]:
    return record.to_json(property_names(obj, requested))


def with_associations(
    state: State,
    record: Record,
    obj: ObjectSchema,
    body: dict[str, Any],
    to_types: list[str] | None,
) -> dict[str, Any]:
    """`?associations=companies` on list/read: ids and type names of associated records."""
    if not to_types:
        return body
    found: dict[str, Any] = {}
    for to in to_types:
        to_obj = state.portal.schema.resolve(to)
        if to_obj is None:
            continue
        targets = state.associations.targets(obj.name, record.id, to_obj.name)
        rows = [
            {"id": str(tid), "type": _type_name(obj, to_obj, t)}
            for tid, types in sorted(targets.items())
            for t in sorted(types)
        ]
        if rows:
            found[to_obj.name] = {"results": rows}
    if found:
        body["associations"] = found
    return body


def _type_name(obj: ObjectSchema, to_obj: ObjectSchema, type_id: int) -> str:
    label = associations.TYPES[(obj.name, type_id)].label
    base = f"{obj.singular}_to_{to_obj.singular}"
    return base if label is None else f"{base}_{label.lower()}"


# ---- routes ---------------------------------------------------------------------------------


def list_records(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.store(object_type)
    limit = req.int_arg("limit", 10, LIST_LIMIT)
    after = int(req.args.get("after", "0") or 0)
    page = list(itertools.islice(store.after(after, archived=req.flag("archived")), limit + 1))
    requested, to_types = req.csv_arg("properties"), req.csv_arg("associations")
    results = [
        with_associations(state, r, store.schema, render(r, store.schema, requested), to_types)
        for r in page[:limit]
    ]
    body: dict[str, Any] = {"results": results}
    if len(page) > limit:
        cursor = str(page[limit - 1].id)
        link = f"{req.base_url}{req.path}?limit={limit}&after={cursor}"
        body["paging"] = {"next": {"after": cursor, "link": link}}
    return Reply(200, body)


def get_record(state: State, req: ApiRequest, object_type: str, object_id: str) -> Reply:
    store = state.store(object_type)
    record = find(store, object_id, req.args.get("idProperty"), archived=req.flag("archived"))
    if record is None:
        raise not_found()
    body = render(record, store.schema, req.csv_arg("properties"))
    return Reply(
        200, with_associations(state, record, store.schema, body, req.csv_arg("associations"))
    )


def create_record(state: State, req: ApiRequest, object_type: str) -> Reply:
    store = state.writable_store(object_type)
    body = req.json_object()
    props = clean_properties(store.schema, body.get("properties"), creating=True)
    links = associations.inline(state, store.schema.name, body.get("associations"))
    unique_conflict(store, props, None)
    record = store.insert(props, state.clock.now())
    for assoc, to_id in links:
        state.associations.add(assoc, record.id, to_id)
    return Reply(201, record.to_json(None))


def update_record(state: State, req: ApiRequest, object_type: str, object_id: str) -> Reply:
    store = state.writable_store(object_type)
    record = find(store, object_id, req.args.get("idProperty"))
    if record is None:
        raise not_found()
    props = clean_properties(store.schema, req.json_object().get("properties"), creating=False)
    unique_conflict(store, props, record.id)
    store.apply(record, props, state.clock.now())
    return Reply(200, record.to_json(None))


def archive_record(state: State, req: ApiRequest, object_type: str, object_id: str) -> Reply:
    """204 whether or not the record existed, as HubSpot answers an archive."""
    store = state.writable_store(object_type)
    record = store.get(object_id)
    if record is not None:
        store.archive(record, state.clock.now())
    return Reply(204)
