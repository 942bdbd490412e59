"""Migrate renewals keyed by the first scheme (`rn:<account>:<product>:<term start>`) to keys
of the contract they renew (`sync/pipeline/keys.py`), with their lines and tasks.

Without this, the first run of the new scheme would raise a second renewal beside every one
the service already keeps. A renewal is matched to its contract by its `renews` link (the
mapped `renews_order_id`), which the service always wrote.

Crash-safe in any order of stops: the state's write records and first-seen dates move first
(a move is skipped when it was already made), then the CRM's key fields, lines and tasks
before their renewal. A renewal still under its old key is found again by the next run,
which finishes what is left; a line or task already moved needs nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sync.core.ports import RECORD_ID
from sync.pipeline.context import RunContext
from sync.pipeline.keys import is_legacy_renewal_key, renewal_key, task_prefix
from sync.pipeline.world import World
from sync.pipeline.writes import PENDING_PREFIX

_CONCEPTS = ("renewal_line", "task", "renewal")  # children before their renewal
_TASK_MARK = task_prefix("")


@dataclass
class Rekeying:
    """Old key -> new key, per concept."""

    moves: dict[str, dict[str, str]] = field(default_factory=lambda: {c: {} for c in _CONCEPTS})

    def __len__(self) -> int:
        return len(self.moves["renewal"])


def legacy_moves(world: World) -> Rekeying:
    """What to move: each first-scheme renewal whose contract is known, and what hangs off it."""
    ours = world.record_ids.get("renewal", {})
    new_of: dict[str, str | None] = {}

    def new_key(old: str, seen: frozenset[str] = frozenset()) -> str | None:
        if old in new_of:
            return new_of[old]
        record = world.orders.get(ours[old])
        contract_id = record.order.amends if record else None
        found = None
        if contract_id and old not in seen:
            contract = world.orders.get(contract_id)
            contract_key = contract.sync_key if contract else None
            if contract_key is not None and is_legacy_renewal_key(contract_key):
                contract_key = new_key(contract_key, seen | {old}) if contract_key in ours else None
            found = renewal_key(contract_id, contract_key)
        new_of[old] = found
        return found

    rekeying = Rekeying()
    legacy = sorted(k for k in ours if is_legacy_renewal_key(k))
    if not legacy:
        return rekeying  # every run after the migration: one pass over the keys, no more
    lines = world.renewal_lines_by_renewal()
    tasks = _tasks_by_renewal(world.record_ids.get("task", {}), set(legacy))
    for old in legacy:
        new = new_key(old)
        if new is None or new in ours:
            continue  # no contract to name it by, or its new key is taken: left as it is
        rekeying.moves["renewal"][old] = new
        for line in lines.get(old, {}):
            rekeying.moves["renewal_line"][line] = new + line[len(old) :]
        prefix = task_prefix(old)
        for task in tasks.get(old, ()):
            rekeying.moves["task"][task] = task_prefix(new) + task[len(prefix) :]
    return rekeying


def _tasks_by_renewal(task_keys: Iterable[str], renewals: set[str]) -> dict[str, list[str]]:
    """Task keys grouped by the renewal key before their `:task:` (one pass, not one scan
    of every task per renewal)."""
    grouped: dict[str, list[str]] = {}
    for key in task_keys:
        renewal, sep, _ = key.rpartition(_TASK_MARK)
        if sep and renewal in renewals:
            grouped.setdefault(renewal, []).append(key)
    return grouped


def migrate_legacy_keys(ctx: RunContext, world: World) -> int:
    """Move every first-scheme renewal to its new key: state, CRM, then this run's world."""
    rekeying = legacy_moves(world)
    if not rekeying:
        return 0
    if not ctx.dry_run:
        for concept in _CONCEPTS:
            moves = rekeying.moves[concept]
            ctx.store.written.rename(ctx.crm, concept, moves)
            ctx.store.written.rename(ctx.crm, PENDING_PREFIX + concept, moves)
        ctx.store.seen.rename(ctx.crm, "renewal", rekeying.moves["renewal"])
        for concept in _CONCEPTS:
            _rewrite_keys(ctx, world, concept, rekeying.moves[concept])
    _move_in_world(ctx, world, rekeying)
    ctx.stats["rekeyed.renewal"] += len(rekeying)
    return len(rekeying)


def _rewrite_keys(ctx: RunContext, world: World, concept: str, moves: dict[str, str]) -> None:
    spec = ctx.mapping.write.get(concept)
    if spec is None or spec.key_field is None or not moves:
        return
    ids = world.record_ids.get(concept, {})
    records = [{RECORD_ID: ids[old], str(spec.key_field): new} for old, new in moves.items()]
    for outcome in ctx.port.update(spec.object, records):
        if not outcome.ok:  # the next run moves it again (its renewal keeps the old key)
            ctx.stats[f"rekey_failed.{concept}"] += 1


def _move_in_world(ctx: RunContext, world: World, rekeying: Rekeying) -> None:
    """The rest of the run sees the new keys, as the next pull will read them back (the raw
    records are changed in place: the world's indexes share them)."""
    for concept, moves in rekeying.moves.items():
        spec = ctx.mapping.write.get(concept)
        key_field = str(spec.key_field) if spec is not None and spec.key_field else None
        ids, raws = world.record_ids.get(concept, {}), world.by_sync_key.get(concept, {})
        for old, new in moves.items():
            record_id, raw = ids.pop(old), raws.pop(old, None)
            ids[new] = record_id
            if raw is not None:
                if key_field is not None:
                    raw[key_field] = new
                raws[new] = raw
            if concept == "renewal":
                _rekey_order(world, record_id, new)
    world.reset_indexes()


def _rekey_order(world: World, record_id: str, new: str) -> None:
    record = world.orders.get(record_id)
    if record is None:
        return
    world.orders[record_id] = updated = replace(record, sync_key=new)
    records = world.subscriptions.get(world.subscription_of[record_id], [])
    for index, other in enumerate(records):
        if other.order.id == record_id:
            records[index] = updated
