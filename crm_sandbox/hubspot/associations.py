"""Associations v4 between records, with HubSpot's own association type ids.

Type ids come from the table in
https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
(deal->company 341, deal->primary company 5, line item->deal 20, task->deal 216,
task->company 192, ticket->company 339, ticket->primary company 26, feedback submission->company
928, ...). Associations are directional definitions but stored both ways: creating deal->company
5 also answers company->deal 6, as HubSpot does. A labelled association always comes with the
unlabelled one of its pair. Batch read takes 1,000 inputs and batch create 2,000 (same page).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from crm_sandbox.hubspot.context import ApiRequest, Reply, State, batch_body
from crm_sandbox.hubspot.errors import HubSpotError, batch_error, not_found, validation
from crm_sandbox.hubspot.schema import iso_ms

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"


@dataclass(frozen=True, slots=True)
class AssocType:
    from_type: str
    to_type: str
    type_id: int
    inverse_id: int
    label: str | None = None


_PAIRS: list[tuple[str, str, int, int, str | None]] = [
    ("deals", "companies", 341, 342, None),
    ("deals", "companies", 5, 6, "Primary"),
    ("line_items", "deals", 20, 19, None),
    ("tasks", "deals", 216, 215, None),
    ("tasks", "companies", 192, 191, None),
    ("tasks", "tickets", 230, 229, None),
    ("tickets", "companies", 339, 340, None),
    ("tickets", "companies", 26, 25, "Primary"),
    ("tickets", "deals", 28, 27, None),
    ("feedback_submissions", "companies", 928, 929, None),
    ("feedback_submissions", "deals", 984, 985, None),
    ("feedback_submissions", "tickets", 100, 99, None),
    ("deals", "deals", 451, 451, None),
    ("companies", "companies", 450, 450, None),
    ("tickets", "tickets", 452, 452, None),
]


def _type_table() -> dict[tuple[str, int], AssocType]:
    table: dict[tuple[str, int], AssocType] = {}
    for from_type, to_type, type_id, inverse_id, label in _PAIRS:
        table[(from_type, type_id)] = AssocType(from_type, to_type, type_id, inverse_id, label)
        table[(to_type, inverse_id)] = AssocType(to_type, from_type, inverse_id, type_id, label)
    return table


TYPES = _type_table()


def unlabelled(from_type: str, to_type: str) -> AssocType | None:
    for assoc in TYPES.values():
        if (assoc.from_type, assoc.to_type, assoc.label) == (from_type, to_type, None):
            return assoc
    return None


class AssociationStore:
    """(from type, from id, to type) -> {to id: {type ids}}, kept symmetric."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, int, str], dict[int, set[int]]] = defaultdict(dict)

    def add(self, assoc: AssocType, from_id: int, to_id: int) -> None:
        types = [assoc]
        base = unlabelled(assoc.from_type, assoc.to_type)
        if assoc.label is not None and base is not None:
            types.append(base)
        for item in types:
            self._put(item.from_type, from_id, item.to_type, to_id, item.type_id)
            self._put(item.to_type, to_id, item.from_type, from_id, item.inverse_id)

    def remove(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        self._links.get((from_type, from_id, to_type), {}).pop(to_id, None)
        self._links.get((to_type, to_id, from_type), {}).pop(from_id, None)

    def targets(self, from_type: str, from_id: int, to_type: str) -> dict[int, set[int]]:
        return self._links.get((from_type, from_id, to_type), {})

    def _put(self, from_type: str, from_id: int, to_type: str, to_id: int, type_id: int) -> None:
        self._links[(from_type, from_id, to_type)].setdefault(to_id, set()).add(type_id)


def type_json(from_type: str, type_ids: set[int]) -> list[dict[str, Any]]:
    return [
        {"category": HUBSPOT_DEFINED, "typeId": t, "label": TYPES[(from_type, t)].label}
        for t in sorted(type_ids)
    ]


def resolve_spec(from_type: str, spec: dict[str, Any]) -> AssocType:
    """An `{associationCategory, associationTypeId}` spec valid from this object type."""
    try:
        type_id = int(spec.get("associationTypeId", -1))
    except (TypeError, ValueError):
        type_id = -1
    assoc = TYPES.get((from_type, type_id))
    if assoc is None or spec.get("associationCategory", HUBSPOT_DEFINED) != HUBSPOT_DEFINED:
        raise validation(f"{spec} is not a valid association type from {from_type}")
    return assoc


def inline(state: State, from_type: str, specs: Any) -> list[tuple[AssocType, int]]:
    """Validate the `associations` of a create body before anything is written."""
    found: list[tuple[AssocType, int]] = []
    for item in specs or []:
        to_id = str((item.get("to") or {}).get("id", ""))
        for spec in item.get("types") or []:
            assoc = resolve_spec(from_type, spec)
            if state.portal.stores[assoc.to_type].get(to_id) is None:
                raise validation(f"{assoc.to_type} {to_id} does not exist; cannot associate it")
            found.append((assoc, int(to_id)))
    return found


# ---- v4 routes ------------------------------------------------------------------------------


def _pair(state: State, from_type: str, to_type: str) -> tuple[str, str]:
    return state.object_schema(from_type).name, state.object_schema(to_type).name


def _existing(state: State, object_type: str, record_id: str) -> int:
    if state.portal.stores[object_type].get(record_id) is None:
        raise not_found(f"No {object_type} with id {record_id} exists")
    return int(record_id)


def create_default(
    state: State,
    req: ApiRequest,
    *,
    from_object_type: str,
    from_object_id: str,
    to_object_type: str,
    to_object_id: str,
) -> Reply:
    from_type, to_type = _pair(state, from_object_type, to_object_type)
    assoc = unlabelled(from_type, to_type)
    if assoc is None:
        raise validation(f"{from_type} cannot be associated with {to_type}")
    state.associations.add(
        assoc, _existing(state, from_type, from_object_id), _existing(state, to_type, to_object_id)
    )
    result = {
        "from": {"id": from_object_id},
        "to": {"id": to_object_id},
        "associationSpec": {
            "associationCategory": HUBSPOT_DEFINED,
            "associationTypeId": assoc.type_id,
        },
    }
    return Reply(200, _batch_body(state, [result]))


def create_labelled(
    state: State,
    req: ApiRequest,
    *,
    object_type: str,
    object_id: str,
    to_object_type: str,
    to_object_id: str,
) -> Reply:
    from_type, to_type = _pair(state, object_type, to_object_type)
    specs = req.body if isinstance(req.body, list) else []
    pairs = _labelled_pair(
        state, from_type, to_type, from_id=object_id, to_id=to_object_id, specs=specs
    )
    return Reply(201, pairs)


def list_for_record(
    state: State, req: ApiRequest, object_type: str, object_id: str, to_object_type: str
) -> Reply:
    from_type, to_type = _pair(state, object_type, to_object_type)
    limit = req.int_arg("limit", 500, 500)
    start = int(req.args.get("after", "0") or 0)
    targets = sorted(state.associations.targets(from_type, int(object_id), to_type).items())
    page = targets[start : start + limit]
    body: dict[str, Any] = {
        "results": [
            {"toObjectId": tid, "associationTypes": type_json(from_type, t)} for tid, t in page
        ]
    }
    if start + limit < len(targets):
        after = str(start + limit)
        body["paging"] = {
            "next": {"after": after, "link": f"{req.base_url}{req.path}?after={after}"}
        }
    return Reply(200, body)


def archive_pair(
    state: State,
    req: ApiRequest,
    *,
    object_type: str,
    object_id: str,
    to_object_type: str,
    to_object_id: str,
) -> Reply:
    from_type, to_type = _pair(state, object_type, to_object_type)
    state.associations.remove(from_type, int(object_id), to_type, int(to_object_id))
    return Reply(204)


def batch_create(
    state: State, req: ApiRequest, from_object_type: str, to_object_type: str
) -> Reply:
    from_type, to_type = _pair(state, from_object_type, to_object_type)
    results, errors = [], []
    for item in req.inputs(limit=2000):
        from_id, to_id = str(item["from"]["id"]), str(item["to"]["id"])
        try:
            results.append(
                _labelled_pair(
                    state, from_type, to_type, from_id=from_id, to_id=to_id, specs=item["types"]
                )
            )
        except HubSpotError as exc:  # each input fails on its own in a 207
            errors.append(batch_error(exc.category, exc.message, {"fromId": [from_id]}))
    return Reply(207 if errors else 201, _batch_body(state, results, errors))


def batch_default(
    state: State, req: ApiRequest, from_object_type: str, to_object_type: str
) -> Reply:
    from_type, to_type = _pair(state, from_object_type, to_object_type)
    assoc = unlabelled(from_type, to_type)
    if assoc is None:
        raise validation(f"{from_type} cannot be associated with {to_type}")
    results = []
    for item in req.inputs(limit=2000):
        from_id, to_id = str(item["from"]["id"]), str(item["to"]["id"])
        state.associations.add(
            assoc, _existing(state, from_type, from_id), _existing(state, to_type, to_id)
        )
        spec = {"associationCategory": HUBSPOT_DEFINED, "associationTypeId": assoc.type_id}
        results.append({"from": {"id": from_id}, "to": {"id": to_id}, "associationSpec": spec})
    return Reply(200, _batch_body(state, results))


def batch_read(state: State, req: ApiRequest, from_object_type: str, to_object_type: str) -> Reply:
    """Inputs with no association come back as errors in a 207, as HubSpot reports them."""
    from_type, to_type = _pair(state, from_object_type, to_object_type)
    results, errors = [], []
    for item in req.inputs(limit=1000):
        from_id = str(item.get("id", ""))
        targets = state.associations.targets(from_type, int(from_id or 0), to_type)
        if not targets:
            message = f"No {to_type} is associated with {from_type} {from_id}."
            error = batch_error("OBJECT_NOT_FOUND", message, {"fromObjectId": [from_id]})
            error["subCategory"] = "crm.associations.NO_ASSOCIATIONS_FOUND"
            errors.append(error)
            continue
        to = [
            {"toObjectId": tid, "associationTypes": type_json(from_type, t)}
            for tid, t in sorted(targets.items())
        ]
        results.append({"from": {"id": from_id}, "to": to})
    return Reply(207 if errors else 200, _batch_body(state, results, errors))


def batch_archive(
    state: State, req: ApiRequest, from_object_type: str, to_object_type: str
) -> Reply:
    from_type, to_type = _pair(state, from_object_type, to_object_type)
    for item in req.inputs(limit=2000):
        for to in item.get("to") or []:
            state.associations.remove(from_type, int(item["from"]["id"]), to_type, int(to["id"]))
    return Reply(204)


def _labelled_pair(
    state: State,
    from_type: str,
    to_type: str,
    *,
    from_id: str,
    to_id: str,
    specs: list[dict[str, Any]],
) -> dict[str, Any]:
    source, target = _existing(state, from_type, from_id), _existing(state, to_type, to_id)
    assocs = [resolve_spec(from_type, spec) for spec in specs]
    if not assocs or any(a.to_type != to_type for a in assocs):
        raise validation(f"association types {specs} do not lead from {from_type} to {to_type}")
    for assoc in assocs:
        state.associations.add(assoc, source, target)
    objects = state.portal.schema.objects
    return {
        "fromObjectTypeId": objects[from_type].type_id,
        "fromObjectId": source,
        "toObjectTypeId": objects[to_type].type_id,
        "toObjectId": target,
        "labels": [a.label for a in assocs if a.label is not None],
    }


def _batch_body(
    state: State, results: list[Any], errors: list[Any] | None = None
) -> dict[str, Any]:
    return batch_body(iso_ms(state.clock.now()), results, errors)
