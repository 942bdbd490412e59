"""Keyset pulls through queryAll against the sandbox: pages, ties, increments, deletions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.salesforce import SalesforceSandbox
from mappings.streams import Stream
from sync.connectors.salesforce import SalesforceAdapter
from sync.connectors.salesforce.pull import parse_modstamp
from sync.core.ports import RECORD_ID, RECORD_MODSTAMP, Position, PulledPage
from tests.connectors.salesforce.conftest import QUERY_ALL, START, add, add_accounts

ACCOUNTS = Stream("account", "Account", ("Name", "Segment__c"))
ORDERS = Stream(
    "order", "Opportunity", ("Name", "Amount", "StageName", "Account.Name", "Owner.Email")
)
LATER = START + timedelta(days=1)


def pull_all(
    adapter: SalesforceAdapter, stream: Stream, since: Position | None = None
) -> list[PulledPage]:
    return list(adapter.pull(stream, since, LATER))


def ids(pages: list[PulledPage]) -> list[str]:
    return [r["Id"] for p in pages for r in p.records]


def test_a_full_pull_of_5000_rows_takes_exactly_three_queries(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.load(generate(5000, seed=7, today=date(2026, 11, 21)))
    pages = pull_all(adapter, ORDERS)
    assert [len(p.records) for p in pages] == [2000, 2000, 1000]
    assert sandbox.ledger.count("GET", QUERY_ALL) == 3
    # the first page came back full: one COUNT() asks whether a Bulk job is worth it (5,000
    # rows are under the 10,000 threshold, so REST goes on)
    assert sandbox.ledger.count("GET", QUERY_ALL.replace("queryAll", "query")) == 1
    assert adapter.calls == 4
    stored = {r["Id"] for r in sandbox.records("Opportunity")}
    assert sorted(ids(pages)) == sorted(stored)  # each row exactly once


def test_loaded_rows_share_one_stamp_and_ties_cross_page_boundaries_without_skip_or_repeat(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    add_accounts(sandbox, 4500)  # the fixed clock stamps every row at START
    pages = pull_all(adapter, ACCOUNTS)
    stamps = {r["SystemModstamp"] for p in pages for r in p.records}
    assert stamps == {"2026-11-21T10:00:00.000+0000"}
    pulled = ids(pages)
    assert len(pulled) == len(set(pulled)) == 4500
    assert pulled == sorted(pulled)  # (SystemModstamp, Id) order
    assert pages[0].last == Position(START, pages[0].records[-1]["Id"])


def test_exactly_two_thousand_rows_take_one_query(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    add_accounts(sandbox, 2000)
    assert [len(p.records) for p in pull_all(adapter, ACCOUNTS)] == [2000]
    assert sandbox.ledger.count("GET", QUERY_ALL) == 1


def test_a_tie_at_the_resume_position_is_neither_skipped_nor_repeated(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    tied = sorted(add_accounts(sandbox, 5))
    since = Position(START, tied[1])  # stopped in the middle of a millisecond
    assert ids(pull_all(adapter, ACCOUNTS, since)) == tied[2:]


def test_an_incremental_pull_after_writes_returns_only_the_changed_rows(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    accounts = add_accounts(sandbox, 30)
    first = pull_all(adapter, ACCOUNTS)
    clock.advance(timedelta(minutes=5, milliseconds=250))  # stamped 10:05:00 (to the second)
    changed = [{"Id": accounts[3], "Name": "Renamed"}, {"Id": accounts[17], "Name": "Also"}]
    assert all(o.ok for o in adapter.update("Account", changed))
    pages = pull_all(adapter, ACCOUNTS, first[-1].last)
    assert sorted(ids(pages)) == sorted([accounts[3], accounts[17]])
    assert {r["Name"] for r in pages[0].records} == {"Renamed", "Also"}
    assert pages[-1].last is not None
    assert pages[-1].last.modstamp == START + timedelta(minutes=5)


def test_soft_deletions_are_seen_through_query_all(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    accounts = add_accounts(sandbox, 3)
    clock.advance(timedelta(seconds=1))
    with sandbox.store.lock:
        sandbox.writer.delete(accounts[1])
    pages = pull_all(adapter, ACCOUNTS, Position(START, accounts[-1]))
    assert [r["Id"] for r in pages[0].deleted] == [accounts[1]]
    assert pages[0].deleted[0]["IsDeleted"] is True
    assert pages[0].records == []
    assert pages[0].last == Position(START + timedelta(seconds=1), accounts[1])


def test_parent_fields_are_flattened_and_a_missing_parent_gives_none(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    account = add(sandbox, "Account", Name="Acme")
    with_parent = add(
        sandbox, "Opportunity", Name="A", AccountId=account, StageName="Qualification",
        CloseDate="2027-01-01",
    )  # fmt: skip
    orphan = add(
        sandbox, "Opportunity", Name="B", StageName="Qualification", CloseDate="2027-01-01"
    )
    records = {r["Id"]: r for r in pull_all(adapter, ORDERS)[0].records}
    assert records[with_parent]["Account.Name"] == "Acme"
    assert records[with_parent]["Owner.Email"] == sandbox.username
    assert records[orphan]["Account.Name"] is None
    assert "attributes" not in records[orphan]
    assert "Account" not in records[orphan]
    marked = {"Id", "SystemModstamp", "IsDeleted", RECORD_ID, RECORD_MODSTAMP, *ORDERS.fields}
    assert set(records[orphan]) == marked
    assert records[orphan][RECORD_ID] == orphan


def test_rows_stamped_after_until_wait_for_the_next_run(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    before = add_accounts(sandbox, 2)
    clock.advance(timedelta(seconds=1))  # Salesforce stamps to the second
    add_accounts(sandbox, 2, prefix="Late")
    pages = list(adapter.pull(ACCOUNTS, None, START))
    assert sorted(ids(pages)) == sorted(before)


def test_the_mapping_filter_is_anded_in(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    add_accounts(sandbox, 3)
    keep = add(sandbox, "Account", Name="Big", Segment__c="public_sector")
    stream = Stream("account", "Account", ("Name",), where="Segment__c = 'public_sector'")
    assert ids(pull_all(adapter, stream)) == [keep]


def test_an_empty_stream_costs_one_query(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    assert pull_all(adapter, ACCOUNTS) == []
    assert adapter.calls == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T10:00:00.000+0000", START),
        ("2026-11-21T11:30:00.250+0130", START + timedelta(milliseconds=250)),
    ],
)
def test_modstamps_parse_to_aware_utc(text: str, expected: object) -> None:
    assert parse_modstamp(text) == expected
