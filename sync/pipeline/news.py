"""Which pulled records are news: only those make an incremental run evaluate an account.

Two kinds of record come back from a pull without telling the service anything new:

- a record re-read in the late-record window (`Cursor.next_read`) with the modstamp the
  mirror already holds;
- a record the service wrote, read back as it was written: every field of the last write
  holds the value written, and every other field is what the mirror held before (a record
  the service created has no "before": the CRM's own fields on it are not news either).

Anything else is news, including any difference the comparison cannot vouch for (a value
the CRM reformats): when in doubt the account is evaluated, as it always was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mappings.coerce import comparable
from mappings.streams import Stream
from sync.pipeline.context import RunContext
from sync.state import MirrorRecord
from sync.state.types import ensure_utc


def no_news(
    ctx: RunContext,
    stream: Stream,
    records: Sequence[MirrorRecord],
    prior: Mapping[str, MirrorRecord],
) -> set[str]:
    """Ids among `records` (one page of `stream`) that are no news; `prior` is what the
    mirror held of them before the page."""
    if not records:
        return set()
    same = {
        r.record_id
        for r in records
        if (p := prior.get(r.record_id)) is not None
        and ensure_utc(p.system_modstamp) == ensure_utc(r.system_modstamp)
        and p.is_deleted == r.is_deleted
    }
    rest = [r for r in records if r.record_id not in same and not r.is_deleted]
    return same | _read_back(ctx, stream, rest, prior)


def _read_back(
    ctx: RunContext,
    stream: Stream,
    records: Sequence[MirrorRecord],
    prior: Mapping[str, MirrorRecord],
) -> set[str]:
    """Records whose every difference from the mirror is the service's own last write."""
    found: set[str] = set()
    for concept, spec in ctx.mapping.write.items():
        if spec.object != stream.object or not records:
            continue
        keyed = {
            (str(r.data.get(spec.key_field)) if spec.key_field else r.record_id): r
            for r in records
            if not spec.key_field or r.data.get(spec.key_field) not in (None, "")
        }
        written = ctx.store.written.get(ctx.crm, concept, list(keyed))
        for key, value in written.items():
            record = keyed[key]
            if value.record_id not in (None, record.record_id):
                continue
            before = prior.get(record.record_id)
            sent = dict(value.payload)
            if spec.key_field:  # the key itself (written onto an adopted record) is ours too
                sent.setdefault(spec.key_field, key)
            if _as_written(
                record.data, sent, before.data if before else None, ctx.port.volatile_fields
            ):
                found.add(record.record_id)
    return found


def _as_written(
    data: Mapping[str, Any],
    payload: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    volatile: frozenset[str],
) -> bool:
    for name, value in data.items():
        if name in volatile:
            continue
        if name in payload:
            if not _same(value, payload[name]):
                return False
        elif before is not None and not _same(value, before.get(name)):
            return False
    return True


def _same(left: Any, right: Any) -> bool:
    """Equal as written and as read back, by the comparison the writer uses to decide a
    field is already so (`mappings.coerce.comparable`: HubSpot answers "22500" for 22500,
    "2026-08-03T00:00:00.000Z" for "2026-08-03T00:00:00Z", "true" for True)."""
    return bool(comparable(left) == comparable(right))
