"""sObject Collections writes: batching, outcomes in order, per-record errors, locked rows."""

from __future__ import annotations

from typing import Any

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.salesforce import SalesforceSandbox
from sync.connectors.salesforce import SalesforceAdapter
from sync.connectors.salesforce.write import body_of
from sync.core.ports import WriteOutcome
from tests.connectors.salesforce.conftest import (
    UPDATE_PATH,
    UPSERT_PATH,
    Wire,
    add,
    add_accounts,
)

KEY = "Renewal_Sync_Key__c"


def accounts(count: int, prefix: str = "k", **extra: Any) -> list[dict[str, Any]]:
    return [{KEY: f"{prefix}-{i:04d}", "Name": f"Account {i}", **extra} for i in range(count)]


def by_key(sandbox: SalesforceSandbox) -> dict[str, dict[str, Any]]:
    return {r[KEY]: r for r in sandbox.records("Account") if r.get(KEY)}


def test_upsert_creates_then_updates_by_external_id_with_outcomes_in_order(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    created = adapter.upsert("Account", KEY, accounts(3))
    assert [o.created for o in created] == [True, True, True]
    stored = by_key(sandbox)
    assert [o.record_id for o in created] == [stored[f"k-{i:04d}"]["Id"] for i in range(3)]
    again = [{KEY: "k-0002", "Name": "Two"}, {KEY: "k-new", "Name": "New"}, {KEY: "k-0000"}]
    updated = adapter.upsert("Account", KEY, again)
    assert [(o.ok, o.created) for o in updated] == [(True, False), (True, True), (True, False)]
    assert updated[0].record_id == created[2].record_id
    assert by_key(sandbox)["k-0002"]["Name"] == "Two"
    assert len(sandbox.records("Account")) == 4


def test_450_records_take_three_collection_calls(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, wire: Wire
) -> None:
    outcomes = adapter.upsert("Account", KEY, accounts(450))
    assert len(outcomes) == 450
    assert all(o.ok and o.created for o in outcomes)
    assert sandbox.ledger.count("PATCH", UPSERT_PATH) == 3
    assert wire.records("PATCH") == [200, 200, 50]
    assert adapter.calls == 3


def test_per_record_errors_come_back_next_to_successes(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    outcomes = adapter.upsert(
        "Account",
        KEY,
        [
            {KEY: "good", "Name": "Good"},
            {KEY: "no-name"},
            {KEY: "bad-pick", "Name": "x", "Segment__c": "enterprise"},
            {KEY: "long", "Name": "x" * 256},
            {KEY: "good-2", "Name": "Good too"},
        ],
    )
    assert [o.ok for o in outcomes] == [True, False, False, False, True]
    codes = [o.error_code for o in outcomes]
    assert codes[1:4] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "STRING_TOO_LONG",
    ]
    assert outcomes[1].error_fields == ("Name",)
    assert outcomes[2].error_fields == ("Segment__c",)
    assert outcomes[3].error_message
    assert set(by_key(sandbox)) == {"good", "good-2"}


def test_five_percent_locked_rows_all_succeed_and_only_they_are_resent(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, wire: Wire, sleeps: list[float]
) -> None:
    rule = sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=0.05))
    outcomes = adapter.upsert("Account", KEY, accounts(400))
    assert all(o.ok for o in outcomes)
    assert len(by_key(sandbox)) == 400
    sent = wire.records("PATCH")  # per chunk: 200, then rounds of its locked records
    assert rule.fired > 0
    assert sent.count(200) == 2
    assert sum(sent) == 400 + rule.fired  # the locked records, and only they, went again
    assert len(sleeps) == len(sent) - 2  # one back-off per retry round, none slept


def test_a_row_locked_in_every_round_is_reported_not_raised(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=1.0))
    outcomes = adapter.upsert("Account", KEY, accounts(2))
    assert [o.error_code for o in outcomes] == ["UNABLE_TO_LOCK_ROW"] * 2
    assert sandbox.ledger.count("PATCH", UPSERT_PATH) == 4  # RetryPolicy.lock_attempts


def test_update_by_id_in_order_with_a_missing_row_reported(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    first, second = add_accounts(sandbox, 2)
    gone = add(sandbox, "Account", Name="Gone")
    with sandbox.store.lock:
        sandbox.writer.delete(gone)
    outcomes = adapter.update(
        "Account",
        [{"Id": second, "Name": "Second"}, {"Id": gone, "Name": "x"}, {"Id": first, "Name": "1"}],
    )
    assert [o.ok for o in outcomes] == [True, False, True]
    assert [o.record_id for o in outcomes] == [second, gone, first]
    assert outcomes[1].error_code == "ENTITY_IS_DELETED"
    assert not any(o.created for o in outcomes)
    assert sandbox.ledger.count("PATCH", UPDATE_PATH) == 1
    assert sandbox.record(second)["Name"] == "Second"  # type: ignore[index]


def test_a_lookup_by_parent_external_id_is_sent_as_a_nested_reference(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    assert body_of("Opportunity", {"Name": "R", "Account.Renewal_Sync_Key__c": "acc-1"}) == {
        "attributes": {"type": "Opportunity"},
        "Name": "R",
        "Account": {"Renewal_Sync_Key__c": "acc-1"},
    }


def test_an_empty_write_makes_no_call(adapter: SalesforceAdapter) -> None:
    assert adapter.upsert("Account", KEY, []) == []
    assert adapter.update("Account", []) == []
    assert adapter.calls == 0


def test_outcomes_read_like_the_port_says(adapter: SalesforceAdapter) -> None:
    (outcome,) = adapter.upsert("Account", KEY, [{KEY: "one", "Name": "One"}])
    assert outcome == WriteOutcome(ok=True, record_id=outcome.record_id, created=True)
