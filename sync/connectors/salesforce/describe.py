"""Object metadata in the port's CRM-neutral shape, one describe call per object.

`GET /sobjects/{object}/describe` (sObject Describe,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm)
answers 404 NOT_FOUND for an object the org does not have (or the user cannot see); such
objects are left out of the answer, which is how `doctor` and the drift planner learn that
a mapped object is missing. Only active picklist values are listed: an inactive value is
refused on write like an unknown one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from simple_salesforce import Salesforce

from mappings.described import FieldInfo, ObjectInfo
from sync.connectors.salesforce.errors import CallContext
from sync.connectors.salesforce.session import TIMEOUT, Door
from sync.connectors.salesforce.soql import check_object
from sync.core.ports import CrmError

MISSING = frozenset({"NOT_FOUND", "INVALID_TYPE", "HTTP_404"})


TEXT = frozenset({"string", "textarea", "email", "url", "phone"})
"""Describe types whose `length` caps the characters a value may have."""


def describe(door: Door, objects: Iterable[str]) -> dict[str, ObjectInfo]:
    described: dict[str, ObjectInfo] = {}
    for name in dict.fromkeys(objects):
        path = f"sobjects/{check_object(name)}/describe"
        try:
            answer = door.call(partial(_get, path), CallContext(name))
        except CrmError as error:
            if error.code in MISSING:
                continue
            raise
        described[name] = object_info(name, answer or {})
    return described


def _get(path: str, sf: Salesforce) -> Any:
    return sf.restful(path, timeout=TIMEOUT)


def object_info(name: str, answer: Mapping[str, Any]) -> ObjectInfo:
    fields = (field_info(f) for f in answer.get("fields") or ())
    return ObjectInfo(name=str(answer.get("name") or name), fields={f.name: f for f in fields})


def field_info(field: Mapping[str, Any]) -> FieldInfo:
    picklist = field.get("picklistValues") or ()
    return FieldInfo(
        name=str(field["name"]),
        type=str(field.get("type", "")),
        updateable=bool(field.get("updateable", False)),
        createable=bool(field.get("createable", False)),
        external_id=bool(field.get("externalId", False)),
        unique=bool(field.get("unique", False)),
        picklist_values=tuple(str(v["value"]) for v in picklist if v.get("active", True)),
        relationship=field.get("relationshipName") or None,
        reference_to=tuple(str(r) for r in field.get("referenceTo") or ()),
        length=int(field.get("length") or 0) or None if field.get("type") in TEXT else None,
    )
