"""The pipelines API: deal and ticket pipelines with their stages and stage metadata.

https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide: a portal may
have several deal pipelines; the default one has the id `default` and named stage ids, the
ones an admin adds have numeric ids. Which stage is won or lost is in the stage's metadata,
as strings: deals `{"isClosed": "true", "probability": "1.0"}`, tickets
`{"ticketState": "CLOSED", "isClosed": "true"}`. Read-only here.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.hubspot.context import ApiRequest, Reply, State
from crm_sandbox.hubspot.errors import not_found, validation
from crm_sandbox.hubspot.schema import Pipeline, Stage

CREATED = "2024-01-15T09:30:00.000Z"  # when the portal's pipelines were set up


def _pipelines(state: State, object_type: str) -> dict[str, Pipeline]:
    name = state.object_schema(object_type).name
    found = state.portal.schema.pipelines.get(name)
    if not found:
        raise validation(f"Object type {object_type} does not support pipelines")
    return found


def _stage_json(object_type: str, stage: Stage, order: int) -> dict[str, Any]:
    closed = "true" if stage.closed else "false"
    metadata: dict[str, str] = (
        {"ticketState": "CLOSED" if stage.closed else "OPEN", "isClosed": closed}
        if object_type == "tickets"
        else {"isClosed": closed, "probability": stage.probability or "0.0"}
    )
    return {
        "label": stage.label,
        "displayOrder": order,
        "metadata": metadata,
        "id": stage.id,
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _pipeline_json(object_type: str, pipeline: Pipeline, order: int) -> dict[str, Any]:
    return {
        "label": pipeline.label,
        "displayOrder": order,
        "id": pipeline.id,
        "stages": [_stage_json(object_type, s, i) for i, s in enumerate(pipeline.stages)],
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "archived": False,
    }


def list_pipelines(state: State, req: ApiRequest, object_type: str) -> Reply:
    name = state.object_schema(object_type).name
    found = _pipelines(state, object_type)
    return Reply(
        200, {"results": [_pipeline_json(name, p, i) for i, p in enumerate(found.values())]}
    )


def get_pipeline(state: State, req: ApiRequest, object_type: str, pipeline_id: str) -> Reply:
    name = state.object_schema(object_type).name
    found = _pipelines(state, object_type)
    if pipeline_id not in found:
        raise not_found(f"Unable to find pipeline {pipeline_id}")
    order = list(found).index(pipeline_id)
    return Reply(200, _pipeline_json(name, found[pipeline_id], order))


def list_stages(state: State, req: ApiRequest, object_type: str, pipeline_id: str) -> Reply:
    body = get_pipeline(state, req, object_type, pipeline_id).body
    assert isinstance(body, dict)
    return Reply(200, {"results": body["stages"]})
