"""Pulls against the sandbox: keyset pages over search, the 10,000 cap, ties, filters,
associations, owners and deletions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from mappings.streams import Stream
from sync.connectors.hubspot import HubSpotAdapter
from sync.core.ports import RECORD_ID, RECORD_MODSTAMP, Position, PulledPage
from tests.connectors.hubspot.conftest import (
    ASSOC_READ,
    KEY,
    LATER,
    LIST,
    OWNERS,
    SEARCH,
    START,
    add,
    add_many,
    link,
)

COMPANIES = Stream("account", "companies", ("id", "name", "segment"))


def pull(
    adapter: HubSpotAdapter, stream: Stream = COMPANIES, since: Position | None = None
) -> list[PulledPage]:
    return list(adapter.pull(stream, since, LATER))


def ids(pages: list[PulledPage]) -> list[str]:
    return [r[RECORD_ID] for page in pages for r in page.records]


def keys(pages: list[PulledPage]) -> list[tuple[object, int]]:
    return [(r[RECORD_MODSTAMP], int(r[RECORD_ID])) for page in pages for r in page.records]


def test_records_come_flat_with_markers_in_pages_of_200(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    created = []
    for _minute in range(5):  # 450 records over five stamps, 90 on each
        created += add_many(sandbox, "companies", 90, segment="standard")
        clock.advance(timedelta(minutes=1))
    pages = pull(adapter)
    assert [len(p.records) for p in pages] == [180, 180, 90]  # the tail stamp is held back
    assert ids(pages) == created
    assert keys(pages) == sorted(keys(pages))
    record = pages[0].records[0]
    assert record["id"] == record[RECORD_ID] == created[0]
    assert record["segment"] == "standard"
    assert record[RECORD_MODSTAMP] == START
    assert pages[-1].last == Position(START + timedelta(minutes=4), created[-1])
    assert sandbox.ledger.count("POST", SEARCH) == 3  # ceil(450 / 200)


def test_more_than_10000_matches_with_ties_are_read_once_each(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    """10,450 records: 10,200 share one millisecond, the rest tie in small groups."""
    created = add_many(sandbox, "companies", 10_200, segment="standard")
    for _ in range(50):
        clock.advance(timedelta(milliseconds=1))
        created += add_many(sandbox, "companies", 5, segment="standard")
    pages = pull(adapter)
    got = ids(pages)
    assert len(got) == len(set(got)) == 10_450
    assert got == created  # creation order is (stamp, id) order here
    assert keys(pages) == sorted(keys(pages))
    searches = sandbox.ledger.count("POST", SEARCH)
    assert searches == adapter.calls
    # minimum ceil(10,450 / 200) = 53; one page is read twice when a tie fills it,
    # and the held-back tail of each page is read again with the next.
    assert searches == 54


def test_tie_groups_across_page_boundaries_are_neither_lost_nor_repeated(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    """2,100 records in groups of 150 sharing a millisecond: every page ends inside one."""
    for _ in range(14):
        add_many(sandbox, "companies", 150, segment="standard")
        clock.advance(timedelta(milliseconds=1))
    pages = pull(adapter)
    assert len(ids(pages)) == len(set(ids(pages))) == 2_100
    assert keys(pages) == sorted(keys(pages))
    searches = sandbox.ledger.count("POST", SEARCH)
    assert searches == 14  # minimum 11: each page's held-back tail is read again with the next


def test_incremental_pull_reads_what_changed_since_the_position(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    old = add_many(sandbox, "companies", 3, segment="standard")
    first = pull(adapter)
    clock.advance(timedelta(minutes=5))
    outcome = adapter.upsert("companies", KEY, [{KEY: "new-1", "name": "New"}])
    adapter.update("companies", [{RECORD_ID: old[1], "segment": "high_touch"}])
    second = pull(adapter, since=first[-1].last)
    assert ids(second) == sorted([old[1], str(outcome[0].record_id)], key=int)
    assert {r["segment"] for r in second[0].records} == {"high_touch", None}
    inclusive = pull(adapter, since=Position(START + timedelta(minutes=5), ""))
    assert ids(inclusive) == ids(second)


def test_a_position_with_an_id_skips_its_stamp_up_to_that_id(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    created = add_many(sandbox, "companies", 450, segment="standard")
    pages = pull(adapter, since=Position(START, created[99]))
    assert ids(pages) == created[100:]


def test_nothing_after_until_is_read(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    before = add(sandbox, "companies", name="Before")
    clock.advance(timedelta(hours=5))
    add(sandbox, "companies", name="After")
    assert ids(pull(adapter)) == [before]


def test_where_equalities_and_require_field_filter_on_the_server(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    default = add(sandbox, "deals", dealname="A", pipeline="default", dealstage="closedwon")
    add(sandbox, "deals", dealname="B", pipeline="other", dealstage="closedwon")
    keyed = add(sandbox, "tasks", hs_task_subject="Call", renewal_sync_key="t-1")
    add(sandbox, "tasks", hs_task_subject="Someone's own task")
    deals = Stream("order", "deals", ("id", "dealname"), where={"pipeline": "default"})
    tasks = Stream("written:task", "tasks", (KEY, "hs_task_subject"), require_field=KEY)
    assert ids(pull(adapter, deals)) == [default]
    assert ids(pull(adapter, tasks)) == [keyed]


def test_associated_ids_come_under_the_association_prefix_primary_first(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    first, primary = add(sandbox, "companies", name="A"), add(sandbox, "companies", name="P")
    deal = add(sandbox, "deals", dealname="D", pipeline="default")
    alone = add(sandbox, "deals", dealname="Alone", pipeline="default")
    link(sandbox, "deals", deal, 341, first)
    link(sandbox, "deals", deal, 5, primary)
    line = add(sandbox, "line_items", name="L", price="10", quantity="1")
    link(sandbox, "line_items", line, 20, deal)
    deals = Stream("order", "deals", ("id",), associations=("companies",))
    lines = Stream("line", "line_items", ("id", "price"), associations=("deals",))
    by_id = {r["id"]: r for r in pull(adapter, deals)[0].records}
    assert by_id[deal]["@associations.companies"] == [primary, first]
    assert by_id[alone]["@associations.companies"] == []
    assert pull(adapter, lines)[0].records[0]["@associations.deals"] == [deal]
    assert sandbox.ledger.count("POST", ASSOC_READ) == 2  # one per page and type


def test_owners_are_listed_in_full_and_filtered_to_the_window(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    stamp = "2026-03-02T09:00:00.000Z"
    sandbox.state.owners.extend(
        {"id": str(100 + i), "email": f"o{i}@example.com", "lastName": f"L{i}",
         "createdAt": stamp, "updatedAt": stamp, "archived": False}
        for i in range(3)
    )  # fmt: skip
    users = Stream("user", "owners", ("id", "email", "lastName", "archived"))
    pages = pull(adapter, users)
    assert ids(pages) == ["100", "101", "102"]
    assert pages[0].records[0]["email"] == "o0@example.com"
    assert sandbox.ledger.count("GET", OWNERS) == 1
    assert ids(pull(adapter, users, since=pages[-1].last)) == []


def test_archived_records_come_back_as_deleted_on_incremental_pulls(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    kept, gone = add(sandbox, "line_items", name="K"), add(sandbox, "line_items", name="G")
    lines = Stream("line", "line_items", ("id", "name"))
    first = pull(adapter, lines)
    clock.advance(timedelta(minutes=1))
    assert all(o.ok for o in adapter.delete("line_items", [gone]))
    second = pull(adapter, lines, since=Position(START, ""))
    assert ids(second) == [kept]
    deleted = [r for page in second for r in page.deleted]
    assert [r[RECORD_ID] for r in deleted] == [gone]
    assert second[-1].last is not None
    assert first[-1].last is not None
    assert second[-1].last.modstamp == START + timedelta(minutes=1)
    assert sandbox.ledger.count("GET", LIST) == 1


def test_grouped_pages_read_associations_for_1000_records_in_one_call_per_type(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    company = add(sandbox, "companies", name="A")
    created = []
    for _minute in range(11):  # 1,100 deals over eleven stamps, each linked to the company
        for deal in add_many(sandbox, "deals", 100, pipeline="default"):
            link(sandbox, "deals", deal, 341, company)
            created.append(deal)
        clock.advance(timedelta(minutes=1))
    deals = Stream("order", "deals", ("id",), associations=("companies",))
    adapter.group_pages = False
    per_page = pull(adapter, deals)
    searches = sandbox.ledger.count("POST", SEARCH)
    assert sandbox.ledger.count("POST", ASSOC_READ) == len(per_page) >= 6  # one per page
    sandbox.ledger.reset()
    adapter.group_pages = None  # the default: grouped while the allowance is not tight
    grouped = pull(adapter, deals)
    assert [len(p.records) for p in grouped] == [len(p.records) for p in per_page]
    assert ids(grouped) == created
    assert all(r["@associations.companies"] == [company] for p in grouped for r in p.records)
    assert sandbox.ledger.count("POST", SEARCH) == searches
    assert sandbox.ledger.count("POST", ASSOC_READ) == 2  # ceil(1,100 / 1,000)


@pytest.mark.parametrize("sandbox", [{"daily_limit": 500}], indirect=True)
def test_pages_are_associated_one_by_one_while_the_allowance_is_tight(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, clock: SandboxClock
) -> None:
    company = add(sandbox, "companies", name="A")
    for _minute in range(3):  # 600 deals: three search pages
        for deal in add_many(sandbox, "deals", 200, pipeline="default"):
            link(sandbox, "deals", deal, 341, company)
        clock.advance(timedelta(minutes=1))
    deals = Stream("order", "deals", ("id",), associations=("companies",))
    pages = pull(adapter, deals)
    assert adapter.door.last_usage is not None
    assert adapter.door.last_usage.limit == 500
    assert sandbox.ledger.count("POST", ASSOC_READ) == len(pages) > 1
