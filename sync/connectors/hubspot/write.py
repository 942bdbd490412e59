"""Batch writes: upsert by a unique property, update by id, archive; 100 inputs a call.

- Upsert: POST /crm/v3/objects/{type}/batch/upsert, each input `{idProperty, id, properties}`
  ("Create or update a batch of objects by unique property values",
  https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/batch/upsert-custom-objects);
  results say `new: true|false` and are matched to the inputs by the key's value, not by
  position (HubSpot does not promise the order). Update: POST .../batch/update by record id;
  delete: POST .../batch/archive (204 whatever happened: an archived record is done).
- Per-input failures come in a 207 next to the successes ("Multi-status errors",
  https://developers.hubspot.com/docs/api-reference/error-handling), each error's
  `context.ids` naming the inputs it concerns; they become WriteOutcome(ok=False, code,
  message) in input order. `crm.objects.RECORD_LOCKED` (423-style, a concurrent write held the
  record) is retried for the locked inputs only, a few rounds with back-off.
- One invalid value fails a whole batch with a 400 (and a unique value another record holds,
  409): the batch is split in halves until the refused records stand alone, so one bad record
  never holds back the others (about 2 x log2(100) extra calls per bad record). A property
  that does not exist is schema drift for the whole write: SchemaDriftError.
- Associations the pipeline wants come in a record under `__associations` and are created
  once every batch of the write call is written, together (v4 batch create, 2,000 inputs a
  call per association type): a write call of N records costs ceil(N / 100) upserts and
  ceil(links / 2,000) creates per type. A refused association fails that record's outcome.
  A fatal error (token, outage, daily allowance) in a later batch leaves the links of the
  batches before it uncreated; the run stops, and the next one finds them missing on the
  records it pulls and creates them (creating a link is idempotent).
- Every write is idempotent (upsert by key, update by id, archive), so the door may repeat a
  call whose answer was lost; a repeated upsert reports `created: false` for a record the
  lost attempt created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sync.connectors.hubspot import associations
from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.connectors.hubspot.values import wire
from sync.core.ports import (
    ASSOCIATIONS,
    RECORD_ID,
    RECORD_MODSTAMP,
    AuthenticationError,
    CrmError,
    CrmUnavailableError,
    DeferRunError,
    FlatRecord,
    SchemaDriftError,
    WriteOutcome,
)

BATCH = 100
CALL = 1000  # records the pipeline hands over per write call (see HubSpotAdapter.batch_size)
LOCKED = "RECORD_LOCKED"
ASSOCIATIONS_KEY = ASSOCIATIONS
ASSOCIATION_PREFIX = "@associations."
_NOT_PROPERTIES = frozenset({RECORD_ID, RECORD_MODSTAMP, ASSOCIATIONS_KEY, "id"})
_FATAL = (AuthenticationError, CrmUnavailableError, DeferRunError, SchemaDriftError)
_WHOLE_BATCH = frozenset({"VALIDATION_ERROR"})  # a refusal that names no record


@dataclass(frozen=True, slots=True)
class Input:
    """One record on its way out: the id it is written by, its properties, its links."""

    key: str
    properties: dict[str, str]
    links: Any = None


@dataclass(frozen=True, slots=True)
class Kind:
    """Upsert or update: the endpoint, the input shape and how a result names its input."""

    endpoint: str
    id_property: str | None

    def body(self, inputs: Sequence[Input]) -> dict[str, Any]:
        if self.id_property is None:
            return {"inputs": [{"id": i.key, "properties": i.properties} for i in inputs]}
        return {
            "inputs": [
                {"idProperty": self.id_property, "id": i.key, "properties": i.properties}
                for i in inputs
            ]
        }

    def key_of(self, result: Mapping[str, Any]) -> str | None:
        if self.id_property is None:
            return str(result.get("id"))
        value = (result.get("properties") or {}).get(self.id_property)
        return None if value is None else str(value)


def upsert(
    door: Door, object_name: str, key_field: str, records: Sequence[FlatRecord]
) -> list[WriteOutcome]:
    inputs = [_input(r.get(key_field), r) for r in records]
    return _write(door, object_name, Kind("upsert", key_field), inputs)


def update(door: Door, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
    """Update by record id, given as the port's RECORD_ID (or `id` / `hs_object_id`)."""
    inputs = [_input(r.get(RECORD_ID) or r.get("id") or r.get("hs_object_id"), r) for r in records]
    return _write(door, object_name, Kind("update", None), inputs)


def delete(door: Door, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
    """Archive by id, 100 a call; HubSpot answers 204 for missing and archived ids alike."""
    context = CallContext(object_name)
    for start in range(0, len(record_ids), BATCH):
        body = {"inputs": [{"id": str(i)} for i in record_ids[start : start + BATCH]]}
        door.call(partial(_post, "archive", object_name, body), context)
    return [WriteOutcome(ok=True, record_id=str(i)) for i in record_ids]


def _input(key: Any, record: Mapping[str, Any]) -> Input | None:
    if key is None or str(key) == "":
        return None
    properties = {
        name: wire(value)
        for name, value in record.items()
        if name not in _NOT_PROPERTIES and not name.startswith(ASSOCIATION_PREFIX)
    }
    return Input(str(key), properties, record.get(ASSOCIATIONS_KEY))


def _write(
    door: Door, object_name: str, kind: Kind, inputs: Sequence[Input | None]
) -> list[WriteOutcome]:
    outcomes: list[WriteOutcome] = [_missing_key(kind) for _ in inputs]
    ready = [(index, i) for index, i in enumerate(inputs) if i is not None]
    context = CallContext(object_name, tuple(sorted({p for _, i in ready for p in i.properties})))
    written: list[WriteOutcome] = []
    for start in range(0, len(ready), BATCH):
        chunk = ready[start : start + BATCH]
        send = partial(_send, door, object_name, kind, context)
        written += _with_lock_rounds(door, send, chunk)
    linked = _link(door, object_name, [i for _, i in ready], written)
    for (index, _), outcome in zip(ready, linked, strict=True):
        outcomes[index] = outcome
    return outcomes


def _missing_key(kind: Kind) -> WriteOutcome:
    message = f"no {kind.id_property or RECORD_ID} to write by"
    return WriteOutcome(False, error_code="MISSING_ARGUMENT", error_message=message)


def _with_lock_rounds(
    door: Door,
    send: Callable[[list[Input]], list[WriteOutcome]],
    chunk: Sequence[tuple[int, Input]],
) -> list[WriteOutcome]:
    """Send the chunk, then again for the locked inputs only, with back-off between rounds."""
    outcomes = send([i for _, i in chunk])
    for round_number in range(door.policy.lock_attempts - 1):
        locked = [n for n, o in enumerate(outcomes) if o.error_code == LOCKED]
        if not locked:
            break
        door.pause(round_number, LOCKED)
        for n, outcome in zip(locked, send([chunk[n][1] for n in locked]), strict=True):
            outcomes[n] = outcome
    return outcomes


def _send(
    door: Door, object_name: str, kind: Kind, context: CallContext, inputs: list[Input]
) -> list[WriteOutcome]:
    """One batch call; a batch refused because of some of its records is split in halves."""
    try:
        answer = door.call(partial(_post, kind.endpoint, object_name, kind.body(inputs)), context)
    except _FATAL:
        raise
    except CrmError as error:
        if len(inputs) == 1 or error.code in _WHOLE_BATCH:
            return [_refused(error.code, error.message) for _ in inputs]
        half = len(inputs) // 2
        send = partial(_send, door, object_name, kind, context)
        return send(inputs[:half]) + send(inputs[half:])
    return _match(kind, inputs, answer.body or {})


def _match(kind: Kind, inputs: Sequence[Input], body: Mapping[str, Any]) -> list[WriteOutcome]:
    """Results and 207 errors back onto the inputs, by key, in input order."""
    results = {kind.key_of(r): r for r in body.get("results") or []}
    errors = _errors_by_id(body.get("errors") or [])
    positional = None not in results and len(results) == len(inputs) and not errors
    outcomes = []
    for index, item in enumerate(inputs):
        result = results.get(item.key)
        if result is None and positional:
            result = list(results.values())[index]
        if result is not None:
            outcomes.append(WriteOutcome(True, str(result["id"]), bool(result.get("new", False))))
        else:
            code, message = errors.get(item.key, ("NO_RESULT", "HubSpot did not answer for it"))
            outcomes.append(_refused(code, message))
    return outcomes


def _errors_by_id(errors: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for error in errors:
        sub = str(error.get("subCategory") or "")
        code = sub.rsplit(".", 1)[-1] if sub else str(error.get("category") or "BATCH_ERROR")
        for record_id in (error.get("context") or {}).get("ids") or []:
            found[str(record_id)] = (code, str(error.get("message") or ""))
    return found


def _refused(code: str, message: str) -> WriteOutcome:
    return WriteOutcome(False, error_code=code, error_message=message)


def _link(
    door: Door, object_name: str, inputs: Sequence[Input], outcomes: list[WriteOutcome]
) -> list[WriteOutcome]:
    """Create the wanted associations of the written records; a refusal fails the record."""
    links = [
        link
        for item, outcome in zip(inputs, outcomes, strict=True)
        if outcome.ok and outcome.record_id and item.links
        for link in associations.links_of(outcome.record_id, item.links)
    ]
    if not links:
        return outcomes
    failed = associations.create(door, object_name, links)
    return [_failed_link(o, failed.get(o.record_id or "")) if o.ok else o for o in outcomes]


def _failed_link(outcome: WriteOutcome, failure: tuple[str, str] | None) -> WriteOutcome:
    if failure is None:
        return outcome
    return replace(outcome, ok=False, error_code=failure[0], error_message=failure[1])


def _post(endpoint: str, object_name: str, body: dict[str, Any], apis: Apis) -> Any:
    method = getattr(apis.batch, endpoint)
    return method(object_name, body, **RAW)
