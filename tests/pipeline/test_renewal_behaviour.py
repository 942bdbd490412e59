"""What a Salesforce user sees: amounts, follow-ups, a person's edit, terminations, adoption."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.pipeline.harness import Harness
from tests.pipeline.scenarios import contract, worked_example_sandbox


def _record(harness: Harness, record_id: str) -> dict[str, Any]:
    found = harness.sandbox.record(record_id)
    assert found is not None, record_id
    return found


def _standard_entry(harness: Harness, sku: str) -> dict[str, Any]:
    (entry,) = [
        e for e in harness.sandbox.records("PricebookEntry")
        if _record(harness, e["Product2Id"])["ProductCode"] == sku
    ]  # fmt: skip
    return entry


def _add_seats_upgrade(harness: Harness, contract_id: str, seats: int, start: date) -> str:
    """A person books an upgrade adding seats, as a closed-won opportunity with one line."""
    account = _record(harness, contract_id)["AccountId"]
    upgrade = harness.person_creates("Opportunity", {
        "Name": "Worked Example - more seats", "AccountId": account, "StageName": "Closed Won",
        "CloseDate": start.isoformat(), "Type": "Existing Customer - Upgrade",
        "Contract_Start_Date__c": start.isoformat(), "Contract_End_Date__c": "2026-12-31",
        "Amended_Opportunity__c": contract_id, "Product_Family__c": "Analytics",
        "Pricebook2Id": harness.sandbox.standard_pricebook_id,
    })  # fmt: skip
    entry = _standard_entry(harness, "ANL-SEAT")
    harness.person_creates("OpportunityLineItem", {
        "OpportunityId": upgrade, "PricebookEntryId": entry["Id"], "Quantity": seats,
        "UnitPrice": 300, "Discount": 5,
    })  # fmt: skip
    return upgrade


def _contract_id(harness: Harness) -> str:
    (found,) = [
        o["Id"] for o in harness.sandbox.records("Opportunity") if o["Type"] == "New Customer"
    ]
    return str(found)


def test_the_renewal_carries_the_worked_example_amount(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    assert harness.run(today=date(2026, 6, 30)).status == "succeeded"
    renewal = harness.renewal("Analytics:2027-01-01")
    assert Decimal(str(renewal["Amount"])) == Decimal("22500.00")
    assert renewal["CloseDate"] == "2026-12-31"
    assert renewal["Contract_Start_Date__c"] == "2027-01-01"
    assert renewal["Contract_End_Date__c"] == "2027-12-31"
    assert renewal["Renewed_Opportunity__c"] == _contract_id(harness)
    assert renewal["OwnerId"] == _record(harness, renewal["AccountId"])["OwnerId"]
    assert "one-time" in renewal["Renewal_Ledger__c"]


def test_an_upgrade_moves_the_renewal_amount(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    _add_seats_upgrade(harness, _contract_id(harness), 10, date(2026, 7, 1))
    assert harness.run(today=date(2026, 7, 2)).status == "succeeded"
    renewal = harness.renewal("Analytics:2027-01-01")
    assert Decimal(str(renewal["Amount"])) == Decimal("25350.00")
    assert len(harness.renewals()) == 1


def test_upgrade_after_a_person_moved_the_stage_keeps_the_human_renewal(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    harness.person_updates("Opportunity", renewal["Id"], {"StageName": "Negotiation/Review"})
    _add_seats_upgrade(harness, _contract_id(harness), 10, date(2026, 7, 1))
    harness.run(today=date(2026, 7, 2))
    after = harness.renewal("Analytics:2027-01-01")
    assert after["StageName"] == "Negotiation/Review"
    assert Decimal(str(after["Amount"])) == Decimal("22500.00")
    assert Decimal(str(after["Renewal_Computed_Amount__c"])) == Decimal("25350.00")
    (kept,) = [e for e in harness.store.errors.open("salesforce") if e.code == "HUMAN_EDIT_KEPT"]
    assert "StageName" in kept.message


def test_milestone_tasks_fall_on_weekdays_150_90_60_days_out(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    due = sorted(t["ActivityDate"] for t in harness.tasks_of(renewal["Id"]))
    # 2026-12-31 minus 150 / 90 / 60 days = Aug 3 (Mon), Oct 2 (Fri), Nov 1 (Sun -> Fri Oct 30)
    assert due == ["2026-08-03", "2026-10-02", "2026-10-30"]
    owner = _record(harness, renewal["AccountId"])["OwnerId"]
    assert {t["OwnerId"] for t in harness.tasks_of(renewal["Id"])} == {owner}


def test_past_milestones_are_not_raised_late_except_the_latest_due_today(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    today = date(2026, 10, 15)  # past 150 and 90 days out, before 60 days out
    harness.run(today=today)
    renewal = harness.renewal("Analytics:2027-01-01")
    tasks = sorted(harness.tasks_of(renewal["Id"]), key=lambda t: t["ActivityDate"])
    assert [t["ActivityDate"] for t in tasks] == ["2026-10-15", "2026-10-30"]
    assert tasks[0]["Subject"].startswith("Send the renewal quote")


def test_each_task_exists_once_even_when_a_person_deletes_it(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    first = harness.tasks_of(renewal["Id"])[0]
    harness.sandbox.clock.advance(timedelta(seconds=1))
    harness.sandbox.writer.delete(first["Id"])
    harness.run(today=date(2026, 7, 1))
    assert len(harness.tasks_of(renewal["Id"])) == 2


def test_a_termination_closes_the_renewal_lost_and_its_tasks(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    harness.person_creates("Opportunity", {
        "Name": "Worked Example - termination", "AccountId": renewal["AccountId"],
        "StageName": "Closed Won", "CloseDate": "2026-07-10", "Type": "Termination",
        "Contract_Start_Date__c": "2026-07-10", "Amended_Opportunity__c": _contract_id(harness),
        "Product_Family__c": "Analytics",
    })  # fmt: skip
    harness.run(today=date(2026, 7, 11))
    closed = harness.renewal("Analytics:2027-01-01")
    assert closed["StageName"] == "Closed Lost"
    assert "Terminated" in closed["Loss_Reason__c"]
    assert {t["Status"] for t in harness.tasks_of(closed["Id"])} == {"Completed"}


def test_a_renewal_a_person_created_is_adopted_not_duplicated(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    contract_id = _contract_id(harness)
    account_id = _record(harness, contract_id)["AccountId"]
    theirs = harness.person_creates("Opportunity", {
        "Name": "Worked Example - renewal 2027 (by hand)", "AccountId": account_id,
        "StageName": "Qualification", "CloseDate": "2026-12-31", "Type": "Renewal",
        "Renewed_Opportunity__c": contract_id, "Product_Family__c": "Analytics",
        "Contract_Start_Date__c": "2027-01-01", "Contract_End_Date__c": "2027-12-31",
        "Amount": 20000,
    })  # fmt: skip
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    assert renewal["Id"] == theirs
    assert renewal["Amount"] == 20000  # a person's amount is theirs
    assert Decimal(str(renewal["Renewal_Computed_Amount__c"])) == Decimal("22500.00")
    renewals = [o for o in harness.sandbox.records("Opportunity") if o["Type"] == "Renewal"]
    assert len(renewals) == 1


def test_an_automatic_renewal_past_its_end_is_closed_won_and_the_next_raised(make_harness) -> None:
    harness = make_harness(worked_example_sandbox(contract(terms="automatic")))
    harness.run(today=date(2027, 1, 5))
    won = harness.renewal("Analytics:2027-01-01")
    nxt = harness.renewal("Analytics:2028-01-01")
    assert won["StageName"] == "Closed Won"
    assert nxt["StageName"] == "Prospecting"
    assert nxt["Renewed_Opportunity__c"] == won["Id"]
    assert Decimal(str(nxt["Amount"])) == Decimal("22500.00")
    harness.sandbox.ledger.reset()
    harness.run(today=date(2027, 1, 5))
    assert harness.sandbox.ledger.writes == 0


def test_a_manual_renewal_past_its_end_is_flagged_lapsed(make_harness) -> None:
    harness = make_harness(worked_example_sandbox(contract(terms="manual")))
    harness.run(today=date(2027, 1, 5))
    renewal = harness.renewal("Analytics:2027-01-01")
    assert renewal["Renewal_Lapsed__c"] is True
    assert renewal["IsClosed"] is False


def test_account_rollups_show_health_arr_and_the_next_renewal(make_harness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    account = _record(harness, renewal["AccountId"])
    assert account["Next_Renewal_Date__c"] == "2026-12-31"
    assert Decimal(str(account["Open_Renewal_Amount__c"])) == Decimal("22500.00")
    assert Decimal(str(account["Active_ARR__c"])) == Decimal("22500.00")
    assert account["Health_Score__c"] == 80  # only usage has data: 24 of 30 seats
    assert account["Health_Tier__c"] == "green"
    assert account["Health_Date__c"] == "2026-06-30"


def test_a_manual_contract_long_expired_when_first_seen_gets_no_renewal(make_harness) -> None:
    harness = make_harness(worked_example_sandbox(contract(terms="manual")))
    harness.run(today=date(2027, 6, 30))  # ended six months before the service saw it
    assert harness.renewals() == []
