"""Mirror upserts, changed-since paging, and the cursor rule (committed only with its page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.state import Cursor, CursorPastCeilingError, MirrorRecord, RunMode, StateStore
from tests.state.conftest import T0, FakeClock


def opp(record_id: str, modstamp: datetime, **data: object) -> MirrorRecord:
    return MirrorRecord("salesforce", "Opportunity", record_id, modstamp, dict(data))


def cursor_after(records: list[MirrorRecord]) -> Cursor:
    last = max(records, key=lambda r: r.position)
    return Cursor("salesforce", "Opportunity", last.system_modstamp, last.record_id)


def test_bulk_upsert_of_20k_records_then_refresh(store: StateStore) -> None:
    records = [opp(f"006{i:012d}", T0 + timedelta(seconds=i), Amount=i) for i in range(20_000)]
    assert store.mirror.upsert(records) == 20_000
    changed = [opp(r.record_id, r.system_modstamp + timedelta(days=1), Amount=-1) for r in records]
    store.mirror.upsert(changed)
    assert store.mirror.count("salesforce", "Opportunity") == 20_000
    sample = store.mirror.get("salesforce", "Opportunity", ["006000000000007", "006000000019999"])
    assert {r.data["Amount"] for r in sample.values()} == {-1}


def test_upsert_never_replaces_a_record_with_an_older_version(store: StateStore) -> None:
    store.mirror.upsert([opp("006A", T0, StageName="Negotiation")])
    store.mirror.upsert([opp("006A", T0 - timedelta(minutes=1), StageName="Prospecting")])
    assert store.mirror.get("salesforce", "Opportunity", ["006A"])["006A"].data == {
        "StageName": "Negotiation"
    }


def test_records_round_trip_with_utc_times_and_deletions(
    store: StateStore, clock: FakeClock
) -> None:
    paris = timezone(timedelta(hours=1))
    deleted = MirrorRecord("salesforce", "Account", "001B", T0, {}, is_deleted=True)
    store.mirror.upsert(
        [MirrorRecord("salesforce", "Account", "001A", T0.astimezone(paris)), deleted]
    )
    got = store.mirror.get("salesforce", "Account", ["001A", "001B", "001C"])
    assert set(got) == {"001A", "001B"}
    assert got["001A"].system_modstamp == T0
    assert got["001A"].system_modstamp.tzinfo == UTC
    assert got["001A"].pulled_at == clock.now
    assert got["001B"].is_deleted
    assert [r.record_id for r in store.mirror.list_type("salesforce", "Account")] == ["001A"]


def test_naive_datetimes_are_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.mirror.changed_since("salesforce", "Opportunity", datetime(2026, 1, 1))


def test_changed_since_is_inclusive_and_pages_by_modstamp_then_id(store: StateStore) -> None:
    t1 = T0 + timedelta(minutes=1)
    store.mirror.upsert(
        [opp("006C", t1), opp("006A", t1), opp("006B", t1), opp("006Z", T0), opp("006D", t1)]
    )
    first = store.mirror.changed_since("salesforce", "Opportunity", t1, limit=2)
    assert [r.record_id for r in first] == ["006A", "006B"]
    rest = store.mirror.changed_since(
        "salesforce", "Opportunity", first[-1].system_modstamp, after_id=first[-1].record_id
    )
    assert [r.record_id for r in rest] == ["006C", "006D"]
    everything = store.mirror.changed_since("salesforce", "Opportunity", T0)
    assert everything[0].record_id == "006Z"


def test_save_page_commits_records_and_cursor_together(store: StateStore) -> None:
    page = [opp("006A", T0), opp("006B", T0 + timedelta(seconds=5))]
    saved = store.save_page(page, cursor_after(page))
    assert saved.position == (T0 + timedelta(seconds=5), "006B")
    assert store.cursors.get("salesforce", "Opportunity") == saved
    assert store.mirror.count("salesforce", "Opportunity") == 2


def test_a_failure_mid_page_leaves_neither_records_nor_cursor(store: StateStore) -> None:
    good = [opp(f"006{i:05d}", T0 + timedelta(seconds=i)) for i in range(1500)]
    poisoned = [*good[:1200], opp("006BAD", T0, Bad=object()), *good[1200:]]
    with pytest.raises(TypeError):
        store.save_page(poisoned, cursor_after(good))
    assert store.mirror.count("salesforce", "Opportunity") == 0
    assert store.cursors.get("salesforce", "Opportunity") is None


class BoomError(Exception):
    pass


def write_then_fail(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.mirror.upsert([opp("006A", T0)])
        tx.cursors.save(Cursor("salesforce", "Opportunity", T0, "006A"))
        tx.runs.start("salesforce", RunMode.FULL)
        raise BoomError


def test_an_exception_inside_a_transaction_rolls_everything_back(store: StateStore) -> None:
    with pytest.raises(BoomError):
        write_then_fail(store)
    assert store.mirror.count("salesforce", "Opportunity") == 0
    assert store.cursors.get("salesforce", "Opportunity") is None
    assert store.runs.recent() == []


def test_cursor_never_moves_backwards(store: StateStore) -> None:
    store.cursors.save(Cursor("salesforce", "Opportunity", T0, "006M"))
    store.cursors.save(Cursor("salesforce", "Opportunity", T0 - timedelta(minutes=5), "006Z"))
    store.cursors.save(Cursor("salesforce", "Opportunity", T0, "006A"))
    assert store.cursors.get("salesforce", "Opportunity").position == (T0, "006M")  # type: ignore[union-attr]
    advanced = store.cursors.save(Cursor("salesforce", "Opportunity", T0, "006N"))
    assert advanced.position == (T0, "006N")


def test_cursor_may_not_pass_the_run_start(store: StateStore) -> None:
    run_start = T0
    page = [opp("006A", T0 + timedelta(seconds=1))]
    with pytest.raises(CursorPastCeilingError):
        store.save_page(page, cursor_after(page), ceiling=run_start)
    assert store.mirror.count("salesforce", "Opportunity") == 0


def test_cursor_lower_bound_and_reset(store: StateStore) -> None:
    cursor = store.cursors.save(Cursor("salesforce", "Account", T0, "001A"))
    store.cursors.save(Cursor("salesforce", "Opportunity", T0, "006A"))
    assert cursor.lower_bound(timedelta(minutes=10)) == T0 - timedelta(minutes=10)
    assert store.cursors.reset("salesforce", "Account") == 1
    assert [c.stream for c in store.cursors.all("salesforce")] == ["Opportunity"]


def test_a_cursor_is_settled_by_a_read_that_left_it_and_unsettled_when_it_moves(
    store: StateStore,
) -> None:
    store.cursors.save(Cursor("salesforce", "order", T0, "006B"), ceiling=T0)
    store.cursors.mark_read("salesforce", "order", T0, settled=True)
    assert store.cursors.get("salesforce", "order").settled  # type: ignore[union-attr]
    store.cursors.save(Cursor("salesforce", "order", T0, "006B"), ceiling=T0)
    assert store.cursors.get("salesforce", "order").settled, "the same place: still settled"  # type: ignore[union-attr]
    store.cursors.save(Cursor("salesforce", "order", T0, "006C"), ceiling=T0)
    assert not store.cursors.get("salesforce", "order").settled  # type: ignore[union-attr]


def test_the_next_read_starts_at_the_late_window_or_the_cursor() -> None:
    """`Cursor.next_read`: inclusive from `read_until - lookback` while the cursor lies in
    that window; else, on a CRM stamping to the second (ties), the cursor's own second until
    a read settled it, and strictly after it once settled or without ties."""
    lookback = timedelta(minutes=5)
    until = T0 + timedelta(hours=1)
    recent = Cursor("salesforce", "order", until - timedelta(minutes=1), "006B", read_until=until)
    assert recent.next_read(lookback) == (until - lookback, "")
    quiet = Cursor("salesforce", "order", T0, "006B", read_until=until)
    assert quiet.next_read(lookback, ties=True) == (T0, "")
    assert quiet.next_read(lookback, ties=False) == (T0, "006B")
    settled = Cursor("salesforce", "order", T0, "006B", read_until=until, settled=True)
    assert settled.next_read(lookback, ties=True) == (T0, "006B")
    legacy = Cursor("salesforce", "order", T0, "006B")
    assert legacy.next_read(lookback) == (T0 - lookback, "")
