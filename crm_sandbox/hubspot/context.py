"""What a route handler gets (the portal state and the parsed request) and gives back (a reply)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from crm_sandbox.clock import SandboxClock
from crm_sandbox.faults import FaultPlan
from crm_sandbox.hubspot.errors import HubSpotError, validation
from crm_sandbox.hubspot.schema import ObjectSchema
from crm_sandbox.hubspot.store import ObjectStore, Portal

if TYPE_CHECKING:
    from crm_sandbox.hubspot.associations import AssociationStore

BATCH_LIMIT = 100


@dataclass
class State:
    """Everything the handlers share: records, associations, owners, the clock and the faults."""

    portal: Portal
    associations: AssociationStore
    clock: SandboxClock
    faults: FaultPlan
    owners: list[dict[str, Any]] = field(default_factory=list)
    search_cache: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    search_lag: timedelta = timedelta(0)
    """How long a change takes to reach the search index (HubSpot's search is eventually
    consistent): a record changed more recently than this is not found by search yet."""

    def object_schema(self, object_type: str) -> ObjectSchema:
        obj = self.portal.schema.resolve(object_type)
        if obj is None:
            raise validation(f"Unable to infer object type from: {object_type}")
        return obj

    def store(self, object_type: str) -> ObjectStore:
        return self.portal.stores[self.object_schema(object_type).name]

    def writable_store(self, object_type: str) -> ObjectStore:
        """Feedback submissions are read-only in the public API."""
        store = self.store(object_type)
        if store.schema.read_only:
            message = f"The {store.schema.name} API is read-only: records cannot be written"
            raise HubSpotError(405, "VALIDATION_ERROR", message)
        return store


@dataclass
class ApiRequest:
    method: str
    path: str
    args: MultiDict[str, str]
    body: Any
    base_url: str

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise validation(
                "Invalid input JSON on line 1, column 1: request body must be an object"
            )
        return self.body

    def inputs(self, limit: int = BATCH_LIMIT) -> list[dict[str, Any]]:
        """The `inputs` of a batch body, refused past the batch cap as HubSpot does."""
        inputs = self.json_object().get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
            raise validation("Invalid input JSON: `inputs` must be a list of objects")
        if len(inputs) > limit:
            raise too_many_inputs(len(inputs), limit)
        return inputs

    def csv_arg(self, name: str) -> list[str] | None:
        """`?properties=a,b` and `?properties=a&properties=b` both mean [a, b]."""
        values = self.args.getlist(name)
        if not values:
            return None
        return [part for value in values for part in value.split(",") if part]

    def flag(self, name: str) -> bool:
        return self.args.get(name, "false").lower() == "true"

    def int_arg(self, name: str, default: int, maximum: int) -> int:
        raw = self.args.get(name)
        try:
            value = default if raw is None else int(raw)
        except ValueError:
            raise validation(f"{name} must be an integer, got {raw!r}") from None
        if value < 1 or value > maximum:
            raise validation(f"{name} must be between 1 and {maximum}, got {value}")
        return value


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    is_search: bool = False


def too_many_inputs(count: int, limit: int) -> HubSpotError:
    """Over-cap batches fail whole with 400 before anything is written."""
    message = f"Too many inputs: {count} were given, the limit is {limit}"
    return validation(message, context={"limit": [str(limit)], "count": [str(count)]})


def property_names(obj: ObjectSchema, requested: Iterable[str] | None) -> list[str]:
    """Requested properties that exist (unknown names are silently dropped, as in v3), plus the
    identifiers v3 always returns; the object's defaults when nothing was requested."""
    if requested is None:
        return list(obj.defaults)
    names = [n for n in dict.fromkeys(requested) if n in obj.properties]
    for always in (obj.created, "hs_lastmodifieddate", "hs_object_id"):
        if always not in names:
            names.append(always)
    return names


def batch_body(
    stamp: str, results: list[Any], errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A batch response: `status`, `results`, timestamps, and `errors`/`numErrors` on a 207."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": stamp,
        "completedAt": stamp,
    }
    if errors:
        body["errors"] = errors
        body["numErrors"] = len(errors)
    return body
