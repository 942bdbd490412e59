"""Associations, v4: the ids a pulled record is associated with, and the links a write adds.

- Read: POST /crm/v4/associations/{from}/{to}/batch/read, up to 1,000 ids a call ("Batch
  Read Limit for HubSpot Associations API", https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api),
  so one call per association type for up to five search pages of 200 (the adapter holds
  pages back to fill a batch, unless the daily allowance is nearly spent). A record with
  none is reported in the 207's `errors` (NO_ASSOCIATIONS_FOUND): it simply gets an empty
  list. Ids come back under `@associations.<type>` as strings, labelled (primary)
  associations first, so the mapping's "first associated company" is the primary one. Each
  record's list is read up to the API's first page (500 associations); renewal objects have
  a handful.
- Create: POST /crm/v4/associations/{from}/{to}/batch/create with HubSpot-defined type ids
  (Associations v4 guide, https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide),
  up to 2,000 inputs a call (the documented cap of the batch association endpoints, e.g.
  Workato's "Associate records (batch)" over it: https://docs.workato.com/en/connectors/hubspot/actions/associate-records-batch.html;
  the sandbox enforces the same), one call per association type for a whole write call.
  Creating an association that exists is a no-op, so a repeat is safe.
  A per-input failure is returned for its record; the write it belongs to is reported failed
  so the pipeline retries it next run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.core.ports import AuthenticationError, CrmError, CrmUnavailableError, DeferRunError

READ_BATCH = 1000
CREATE_BATCH = 2000
HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
FATAL = (AuthenticationError, CrmUnavailableError, DeferRunError)


@dataclass(frozen=True, slots=True)
class Link:
    """One association to create: from a written record to `to_id` of `to_object`."""

    from_id: str
    to_object: str
    to_id: str
    type_id: int


def links_of(record_id: str, wanted: Any) -> list[Link]:
    """`__associations` of a record (dicts or AssociationWrite-like objects) as links."""
    links = []
    for item in wanted or ():
        to_object, to_id, type_id = (_field(item, n) for n in ("to_object", "to_id", "type_id"))
        links.append(Link(record_id, str(to_object), str(to_id), int(type_id)))
    return links


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def read_ids(
    door: Door, from_object: str, ids: Sequence[str], to_object: str
) -> dict[str, list[str]]:
    """Associated ids of `to_object` for each of `ids` (every id gets a list)."""
    found: dict[str, list[str]] = {i: [] for i in ids}
    context = CallContext(from_object, (to_object,))
    for start in range(0, len(ids), READ_BATCH):
        inputs = [{"id": i} for i in ids[start : start + READ_BATCH]]
        call = partial(_read, from_object, to_object, {"inputs": inputs})
        for result in (door.call(call, context).body or {}).get("results") or []:
            found[str(result["from"]["id"])] = _ordered(result.get("to") or [])
    return found


def _ordered(targets: Iterable[dict[str, Any]]) -> list[str]:
    """Labelled (primary) associations first, then by id; each id once."""

    def rank(target: dict[str, Any]) -> tuple[int, int]:
        labelled = any(t.get("label") for t in target.get("associationTypes") or [])
        return (0 if labelled else 1, int(target["toObjectId"]))

    return list(dict.fromkeys(str(t["toObjectId"]) for t in sorted(targets, key=rank)))


def _read(from_object: str, to_object: str, body: dict[str, Any], apis: Apis) -> Any:
    return apis.associations.get_page(from_object, to_object, body, **RAW)


def create(door: Door, from_object: str, links: Sequence[Link]) -> dict[str, tuple[str, str]]:
    """Create the links; (code, message) for each from-id whose link was refused."""
    failed: dict[str, tuple[str, str]] = {}
    by_target: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        by_target[link.to_object].append(link)
    for to_object, targets in by_target.items():
        for start in range(0, len(targets), CREATE_BATCH):
            chunk = targets[start : start + CREATE_BATCH]
            failed.update(_create_chunk(door, from_object, to_object, chunk))
    return failed


def _create_chunk(
    door: Door, from_object: str, to_object: str, chunk: Sequence[Link]
) -> dict[str, tuple[str, str]]:
    inputs = [
        {
            "from": {"id": link.from_id},
            "to": {"id": link.to_id},
            "types": [{"associationCategory": HUBSPOT_DEFINED, "associationTypeId": link.type_id}],
        }
        for link in chunk
    ]
    call = partial(_create, from_object, to_object, {"inputs": inputs})
    try:
        answer = door.call(call, CallContext(from_object, (to_object,)))
    except FATAL:
        raise
    except CrmError as error:
        return {link.from_id: (error.code, error.message) for link in chunk}
    failed: dict[str, tuple[str, str]] = {}
    for refused in (answer.body or {}).get("errors") or []:
        code = str(refused.get("category") or "ASSOCIATION_FAILED")
        message = f"association to {to_object}: {refused.get('message')}"
        for from_id in (refused.get("context") or {}).get("fromId") or []:
            failed[str(from_id)] = (code, message)
    return failed


def _create(from_object: str, to_object: str, body: dict[str, Any], apis: Apis) -> Any:
    return apis.associations.create(from_object, to_object, body, **RAW)
