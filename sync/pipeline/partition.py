"""Where each mirrored record belongs, so that a run loads one batch of accounts at a time.

A run never needs the whole org in memory: an order is evaluated with its account, a line
with its order, a ticket or an NPS answer with its account, a task or a renewal line the
service wrote with the contract its key names. The pull stores that parent beside each row
(`MirrorRow.parent_id`), and the order an order amends (`link_id`), because a subscription
follows `amends` and may cross accounts: a batch then takes in the other account too.
Prices and users are shared by every account and are loaded once per run.

Rows stored before the mirror had the columns, or under another mapping (the account field
of an order re-mapped), are placed again by `place_all` before the world is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as Map
from dataclasses import replace
from typing import Any

from mappings import Mapping, read_one
from mappings.streams import WRITTEN_PREFIX, streams
from sync.state import MirrorRecord, StateStore

SHARED = frozenset({"price", "user"})
"""Streams every account reads (a price book, the owners): loaded whole, once per run."""
_PARENT_FIELD = {
    "order": "account_id",
    "line": "order_id",
    "case": "account_id",
    "nps": "account_id",
    "feedback": "account_id",
}
_PLACE_CHUNK = 5000


def placed(record: MirrorRecord, mapping: Mapping) -> MirrorRecord:
    """`record` with its parent and link worked out from its fields."""
    parent, link = placement(record.object_type, record.record_id, record.data, mapping)
    return replace(record, parent_id=parent, link_id=link)


def placement(
    stream: str, record_id: str, data: Map[str, Any], mapping: Mapping
) -> tuple[str, str | None]:
    """(parent id, link id) of one record of `stream`; "" when it has no parent (shared
    streams, a record whose parent field cannot be read: it is loaded with the first batch)."""
    if stream == "account":
        return record_id, None
    if stream.startswith(WRITTEN_PREFIX):
        spec = mapping.write.get(stream.removeprefix(WRITTEN_PREFIX))
        key = data.get(spec.key_field) if spec is not None and spec.key_field else None
        return (key_owner(str(key)) if key else ""), None
    name = _PARENT_FIELD.get(stream)
    if name is None or stream not in mapping.read:
        return "", None
    parent = _read(stream, name, data, mapping)
    link = _read(stream, "amends", data, mapping) if stream == "order" else None
    return parent or "", link or None


def key_owner(key: str) -> str:
    """The id a key of the service starts from: `rn:<contract>[/<generation>]` and what
    hangs off it (`...:task:...`, `...:line:...`) name the contract; a first-scheme key
    (`rn:<account>:<product>:<date>`) names the account. A batch loads rows owned by its
    accounts and by their orders, so either is found."""
    body = key.removeprefix("rn:")
    return body.split(":", 1)[0].split("/", 1)[0]


def _read(concept: str, name: str, data: Map[str, Any], mapping: Mapping) -> str | None:
    try:
        value = read_one(concept, name, data, mapping)
    except (
        Exception
    ):  # an unreadable record is loaded with the first batch; its error is reported there
        return None
    return None if value in (None, "") else str(value)


def place_all(store: StateStore, crm: str, mapping: Mapping, *, again: bool = False) -> int:
    """Work out the parent of every row that lacks one (`again`: of every row, after the
    mapping changed); in chunks, so it never holds more than a chunk. Returns how many."""
    done = 0
    for stream in streams(mapping):
        if again:
            store.mirror.unplace(crm, stream.name)
        while rows := store.mirror.unplaced(crm, stream.name, limit=_PLACE_CHUNK):
            done += store.mirror.place(
                crm,
                stream.name,
                [
                    (r.record_id, *placement(r.object_type, r.record_id, r.data, mapping))
                    for r in rows
                ],
            )
    return done


def all_accounts(store: StateStore, crm: str, *, limit: int) -> Iterator[set[str] | None]:
    """Every account in batches of about `limit` orders; one None (the whole org, loaded at
    once) when the org has no more orders than that."""
    sizes = store.mirror.parent_sizes(crm, "order")
    if sum(sizes.values()) <= limit:
        yield None
        return
    yield from batches(sizes, store.mirror.live_ids(crm, "account"), limit=limit)


def batches(sizes: Map[str, int], accounts: list[str], *, limit: int) -> Iterator[set[str]]:
    """Account ids in batches of about `limit` orders (an account is never split): `sizes`
    counts each parent's orders, `accounts` lists every account, with or without orders.
    The "" parent (orders whose account cannot be read) goes with the first batch."""
    batch: set[str] = set()
    held = 0
    names = sorted(set(accounts) | set(sizes))
    if "" in names:
        names.remove("")
        names.insert(0, "")
    for name in names:
        size = max(sizes.get(name, 0), 1)
        if batch and held + size > limit:
            yield batch
            batch, held = set(), 0
        batch.add(name)
        held += size
    if batch:
        yield batch
