"""Deal (and ticket) pipelines: which stage means open, won or lost, by HubSpot's metadata.

A portal may have several deal pipelines, the ones an admin adds with numeric stage ids
(https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide). A stage is
closed when its metadata says `isClosed: "true"`; a closed stage is won when its
`probability` is 1.0 (HubSpot's own rule for `hs_is_closed_won`), lost otherwise.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from contract_rules import OrderStatus
from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.core.ports import PipelineStage

PIPELINE_OBJECTS = frozenset({"deals", "tickets"})


def pipeline_stages(door: Door, object_name: str) -> tuple[PipelineStage, ...]:
    """Every stage of every pipeline of `object_name` (one call); () for objects without."""
    if object_name not in PIPELINE_OBJECTS:
        return ()
    answer = door.call(partial(_all, object_name), CallContext(object_name))
    found: list[PipelineStage] = []
    for pipeline in (answer.body or {}).get("results") or []:
        for stage in pipeline.get("stages") or []:
            found.append(
                PipelineStage(
                    str(pipeline["id"]),
                    str(pipeline.get("label") or pipeline["id"]),
                    str(stage["id"]),
                    str(stage.get("label") or stage["id"]),
                    status_of(stage.get("metadata") or {}),
                )
            )
    return tuple(found)


def status_of(metadata: dict[str, Any]) -> str:
    """open / closed_won / closed_lost from a stage's metadata (values are strings)."""
    if str(metadata.get("isClosed", "false")).lower() != "true":
        return OrderStatus.OPEN.value
    try:
        won = Decimal(str(metadata.get("probability", "0"))) >= 1
    except InvalidOperation:
        won = False
    return (OrderStatus.CLOSED_WON if won else OrderStatus.CLOSED_LOST).value


def _all(object_name: str, apis: Apis) -> Any:
    return apis.pipelines.get_all(object_name, **RAW)
