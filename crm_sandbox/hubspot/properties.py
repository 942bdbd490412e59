"""The properties API (/crm/v3/properties/{object_type}) and the owners API (/crm/v3/owners/).

Properties follow https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide:
create answers 201 with the property, a name already taken is 409 (category
OBJECT_ALREADY_EXISTS), a `type` outside date/datetime/number/string/enumeration/bool is 400,
and HubSpot-defined properties cannot be archived. Tests use `HubSpotSandbox.schema` to drop or
alter a property behind the service's back (schema drift).

Owners follow https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide: pages of at
most 500 with `paging.next.after`, filterable by `email`.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.hubspot.context import ApiRequest, Reply, State
from crm_sandbox.hubspot.errors import HubSpotError, not_found, validation
from crm_sandbox.hubspot.schema import PROPERTY_TYPES, iso_ms, iter_properties, make_property

OWNER_PAGE = 500


def _stamp(state: State) -> str:
    return iso_ms(state.clock.now())


def list_properties(state: State, req: ApiRequest, object_type: str) -> Reply:
    obj = state.object_schema(object_type)
    stamp = _stamp(state)
    return Reply(200, {"results": [p.to_json(stamp) for p in iter_properties(obj)]})


def list_groups(state: State, req: ApiRequest, object_type: str) -> Reply:
    """Property groups: the object's own group, those its properties name, and created ones."""
    obj = state.object_schema(object_type)
    return Reply(200, {"results": [_group_json(g) for g in sorted(_groups(state, obj))]})


def create_group(state: State, req: ApiRequest, object_type: str) -> Reply:
    """POST /crm/v3/properties/{objectType}/groups: 409 when the name is taken."""
    obj = state.object_schema(object_type)
    body = req.json_object()
    name = str(body.get("name") or "")
    if not name or not body.get("label"):
        raise validation("Property group create needs `name` and `label`")
    if name in _groups(state, obj):
        raise HubSpotError(409, "OBJECT_ALREADY_EXISTS", f"Property group {name!r} already exists.")
    state.portal.schema.groups.setdefault(obj.name, set()).add(name)
    return Reply(201, _group_json(name, str(body["label"])))


def _groups(state: State, obj: Any) -> set[str]:
    named = {p.group for p in obj.properties.values() if getattr(p, "group", None)}
    return {obj.group, *named, *state.portal.schema.groups.get(obj.name, set())}


def _group_json(name: str, label: str | None = None) -> dict[str, Any]:
    return {"name": name, "label": label or name, "displayOrder": -1, "archived": False}


def get_property(state: State, req: ApiRequest, object_type: str, property_name: str) -> Reply:
    prop = state.object_schema(object_type).get(property_name)
    if prop is None:
        raise not_found(f"Unable to find property {property_name} on {object_type}")
    return Reply(200, prop.to_json(_stamp(state)))


def create_property(state: State, req: ApiRequest, object_type: str) -> Reply:
    obj = state.object_schema(object_type)
    body = req.json_object()
    name = str(body.get("name") or "")
    for required in ("name", "label", "type", "fieldType", "groupName"):
        if not body.get(required):
            raise validation(f"Property create is missing required field {required!r}")
    if body["type"] not in PROPERTY_TYPES:
        raise validation(f"type {body['type']!r} must be one of {', '.join(PROPERTY_TYPES)}")
    if obj.get(name) is not None:
        message = f"Property named '{name}' already exists."
        raise HubSpotError(409, "OBJECT_ALREADY_EXISTS", message)
    prop = make_property(name, {**body, "custom": True}, obj.group)
    state.portal.schema.add_property(obj.name, prop)
    return Reply(201, prop.to_json(_stamp(state)))


def update_property(state: State, req: ApiRequest, object_type: str, property_name: str) -> Reply:
    obj = state.object_schema(object_type)
    if obj.get(property_name) is None:
        raise not_found(f"Unable to find property {property_name} on {object_type}")
    body = req.json_object()
    changes: dict[str, Any] = {}
    if "label" in body:
        changes["label"] = str(body["label"])
    if "options" in body:
        changes["options"] = tuple(str(o["value"]) for o in body["options"])
    if "fieldType" in body:
        changes["field_type"] = str(body["fieldType"])
    prop = state.portal.schema.alter_property(obj.name, property_name, **changes)
    return Reply(200, prop.to_json(_stamp(state)))


def archive_property(state: State, req: ApiRequest, object_type: str, property_name: str) -> Reply:
    obj = state.object_schema(object_type)
    prop = obj.get(property_name)
    if prop is None:
        raise not_found(f"Unable to find property {property_name} on {object_type}")
    if not prop.custom:
        raise validation(f"{property_name} is a HubSpot-defined property and cannot be archived")
    state.portal.schema.drop_property(obj.name, property_name)
    return Reply(204)


def list_owners(state: State, req: ApiRequest) -> Reply:
    limit = req.int_arg("limit", 100, OWNER_PAGE)
    after = int(req.args.get("after", "0") or 0)
    email = req.args.get("email")
    owners = [o for o in state.owners if email is None or o["email"] == email]
    body: dict[str, Any] = {"results": owners[after : after + limit]}
    if after + limit < len(owners):
        next_after = str(after + limit)
        link = f"{req.base_url}/crm/v3/owners/?limit={limit}&after={next_after}"
        body["paging"] = {"next": {"after": next_after, "link": link}}
    return Reply(200, body)


def get_owner(state: State, req: ApiRequest, owner_id: str) -> Reply:
    for owner in state.owners:
        if owner["id"] == owner_id:
            return Reply(200, owner)
    raise not_found(f"No owner with id {owner_id}")
