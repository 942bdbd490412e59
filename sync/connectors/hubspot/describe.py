"""Object metadata from the properties API, in the port's CRM-neutral shape.

`GET /crm/v3/properties/{objectType}` (Properties API,
https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide) lists every
property with its `type` (string, number, date, datetime, enumeration, bool), `options` for
enumerations, `hasUniqueValue`, `calculated` and `modificationMetadata.readOnlyValue`. A
property is updateable unless HubSpot computes it; a unique property is what batch upsert can
key on (`idProperty`), so it is reported as both unique and external id. An object type the
portal does not know (400 "Unable to infer object type" or 404) is left out of the answer,
which is how `doctor` and the drift planner learn that it is missing. Owners are not an
object with properties (the owners API): they are left out too, as the mapping expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from mappings.described import FieldInfo, ObjectInfo
from mappings.properties import PropertySpec
from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.core.ports import CrmError

MISSING = frozenset({"VALIDATION_ERROR", "OBJECT_NOT_FOUND", "HTTP_404"})


def properties(door: Door, object_name: str) -> list[dict[str, Any]]:
    answer = door.call(partial(_get_all, object_name), CallContext(object_name))
    return list((answer.body or {}).get("results") or [])


def property_names(door: Door, object_name: str) -> set[str]:
    return {str(p.get("name")) for p in properties(door, object_name)}


def describe(door: Door, objects: Iterable[str]) -> dict[str, ObjectInfo]:
    described: dict[str, ObjectInfo] = {}
    for name in dict.fromkeys(objects):
        if name == "owners":
            continue
        try:
            found = properties(door, name)
        except CrmError as error:
            if error.code in MISSING:
                continue
            raise
        fields = (field_info(p) for p in found)
        described[name] = ObjectInfo(name=name, fields={f.name: f for f in fields})
    return described


def _get_all(object_name: str, apis: Apis) -> Any:
    return apis.properties.get_all(object_name, **RAW)


def field_info(prop: Mapping[str, Any]) -> FieldInfo:
    meta = prop.get("modificationMetadata") or {}
    writable = not prop.get("calculated", False) and not meta.get("readOnlyValue", False)
    unique = bool(prop.get("hasUniqueValue", False))
    options = prop.get("options") or ()
    return FieldInfo(
        name=str(prop["name"]),
        type=str(prop.get("type", "")),
        updateable=writable,
        createable=writable,
        external_id=unique,
        unique=unique,
        picklist_values=tuple(str(o["value"]) for o in options if not o.get("hidden", False)),
        length=TEXT_LENGTH if prop.get("type") == "string" else None,
    )


TEXT_LENGTH = 65_536
"""Characters a text property holds when set through the CRM ("Property field types in
HubSpot", https://knowledge.hubspot.com/properties/property-field-types-in-hubspot)."""

GROUP = "renewal_sync"
"""The property group renewal-sync creates its properties in (HubSpot's advice for integrations)."""


def ensure_group(door: Door, object_name: str) -> None:
    """Create the `renewal_sync` property group; an existing group (409) is fine."""
    body = {"name": GROUP, "label": "renewal-sync", "displayOrder": -1}
    try:
        door.call(partial(_create_group, object_name, body), CallContext(object_name))
    except CrmError as error:
        if error.code not in {"HTTP_409", "OBJECT_ALREADY_EXISTS", "CONFLICT", "HTTP_404"}:
            raise


def create_property(door: Door, spec: PropertySpec) -> None:
    """Create one property as `required_properties` describes it, in the renewal_sync group."""
    body: dict[str, Any] = {
        "name": spec.name,
        "label": spec.name.replace("_", " ").capitalize(),
        "type": spec.type,
        "fieldType": spec.field_type,
        "groupName": GROUP,
        "hasUniqueValue": spec.unique,
        "description": "Maintained by renewal-sync",
    }
    if spec.options:
        body["options"] = [
            {"label": value, "value": value, "displayOrder": order}
            for order, value in enumerate(spec.options)
        ]
    door.call(partial(_create, spec.object, body), CallContext(spec.object))


def _create_group(object_name: str, body: dict[str, Any], apis: Apis) -> Any:
    return apis.groups.create(object_name, body, **RAW)


def _create(object_name: str, body: dict[str, Any], apis: Apis) -> Any:
    return apis.properties.create(object_name, body, **RAW)
