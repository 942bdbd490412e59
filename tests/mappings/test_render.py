"""Write policies: always, if_blank, unless_edited; diff-only payloads; HubSpot associations."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest

from mappings import (
    WRITE,
    AccountRollupIntent,
    AssociationWrite,
    HeldBack,
    Outcome,
    RenewalIntent,
    RenewalLineIntent,
    TaskIntent,
    WritePlan,
    load_default,
    render,
)

D = Decimal
SF = load_default("salesforce")
HS = load_default("hubspot")


def renewal(**changes) -> RenewalIntent:
    values = {
        "key": "renewal:006A0", "account_id": "001A0", "amount": D("22500.00"),
        "close_date": date(2026, 12, 31), "stage": "open", "name": "Acme - Analytics renewal",
        "owner_id": "005A0", "renews_order_id": "006A0", "term_start": date(2027, 1, 1),
        "term_end": date(2027, 12, 31), "renewal_terms": "automatic", "product": "Analytics",
        "lapsed": False, "computed_amount": D("22500.00"), "ledger": "plan fee ...",
    }  # fmt: skip
    return RenewalIntent(**(values | changes))  # type: ignore[arg-type]


def written(plan: WritePlan) -> dict[str, object]:
    return dict(plan.payload)


def test_a_new_renewal_gets_every_field_and_the_constants():
    plan = render("renewal", renewal(), current=None, last_written=None, mapping=SF)
    assert plan.is_new
    assert plan.record()["Renewal_Sync_Key__c"] == "renewal:006A0"
    assert written(plan) == {
        "Name": "Acme - Analytics renewal", "AccountId": "001A0", "OwnerId": "005A0",
        "Amount": D("22500.00"), "CloseDate": "2026-12-31", "StageName": "Prospecting",
        "Renewed_Opportunity__c": "006A0", "Contract_Start_Date__c": "2027-01-01",
        "Contract_End_Date__c": "2027-12-31", "Renewal_Terms__c": "Automatic",
        "Product_Family__c": "Analytics", "Renewal_Lapsed__c": False,
        "Renewal_Computed_Amount__c": D("22500.00"), "Renewal_Ledger__c": "plan fee ...",
        "Type": "Renewal",
    }  # fmt: skip


def crm_after(plan: WritePlan) -> dict[str, object]:
    """What the CRM holds after the plan was written (values as Salesforce returns them)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in plan.record().items()}


def test_a_rerun_with_nothing_changed_writes_nothing():
    first = render("renewal", renewal(), current=None, last_written=None, mapping=SF)
    again = render(
        "renewal", renewal(), current=crm_after(first), last_written=first.payload, mapping=SF
    )
    assert not again.changes
    assert {d.outcome for d in again.decisions} == {Outcome.UNCHANGED, Outcome.SKIPPED}


def test_unless_edited_follows_the_contract_when_nobody_touched_the_amount():
    first = render("renewal", renewal(), current=None, last_written=None, mapping=SF)
    bigger = renewal(amount=D("25350.00"), computed_amount=D("25350.00"))
    plan = render(
        "renewal", bigger, current=crm_after(first), last_written=first.payload, mapping=SF
    )
    assert written(plan) == {"Amount": D("25350.00"), "Renewal_Computed_Amount__c": D("25350.00")}
    assert plan.held_back == ()


def test_unless_edited_keeps_a_persons_amount_and_reports_the_difference():
    first = render("renewal", renewal(), current=None, last_written=None, mapping=SF)
    current = crm_after(first) | {"Amount": 20000.0, "StageName": "Negotiation/Review"}
    bigger = renewal(amount=D("25350.00"), computed_amount=D("25350.00"))
    plan = render("renewal", bigger, current=current, last_written=first.payload, mapping=SF)
    assert written(plan) == {"Renewal_Computed_Amount__c": D("25350.00")}
    assert plan.held_back == (
        HeldBack("amount", "Amount", 20000.0, D("25350.00"), D("22500.00")),
        HeldBack("stage", "StageName", "Negotiation/Review", "Prospecting", "Prospecting"),
    )
    amount = next(d for d in plan.decisions if d.canonical_field == "amount")
    assert amount.reason == "policy unless_edited: a person changed it since the last write"


def test_a_persons_stage_is_held_back_when_the_service_wants_to_close():
    first = render("renewal", renewal(), current=None, last_written=None, mapping=SF)
    current = crm_after(first) | {"StageName": "Negotiation/Review"}
    plan = render("renewal", renewal(stage="lost", loss_reason="terminated"), current=current,
                  last_written=first.payload, mapping=SF)  # fmt: skip
    assert "StageName" not in plan.payload
    assert plan.held_back[0].current == "Negotiation/Review"
    assert plan.payload == {"Loss_Reason__c": "terminated"}


def test_an_adopted_renewal_keeps_its_human_values():
    human = {
        "Id": "006H", "Name": "Acme renewal (by hand)", "Amount": 21000.0,
        "CloseDate": "2026-12-31", "StageName": "Qualification", "AccountId": "001A0",
    }  # fmt: skip
    plan = render("renewal", renewal(), current=human, last_written=None, mapping=SF)
    assert "Name" not in plan.payload  # if_blank: it has a name
    assert [h.canonical_field for h in plan.held_back] == ["amount", "stage"]
    assert plan.payload["Contract_Start_Date__c"] == "2027-01-01"
    held = next(d for d in plan.decisions if d.canonical_field == "amount")
    assert held.reason == "policy unless_edited: the service never wrote it (a person's value)"


def test_if_blank_fills_a_blank_field_only():
    current = {"Name": None, "OwnerId": "005OTHER"}
    plan = render("renewal", renewal(), current=current, last_written={}, mapping=SF)
    assert plan.payload["Name"] == "Acme - Analytics renewal"
    assert "OwnerId" not in plan.payload
    kept = next(d for d in plan.decisions if d.crm_field == "OwnerId")
    assert (kept.outcome, kept.reason) == (
        Outcome.KEPT,
        "policy if_blank: the CRM already has a value",
    )


def test_always_overwrites_a_different_value():
    rollup = AccountRollupIntent("001A0", health_score=D("72.5"), health_tier="green")
    current = {"Id": "001A0", "Health_Score__c": 60.0, "Health_Tier__c": "yellow"}
    plan = render("account_rollup", rollup, current=current, last_written={}, mapping=SF)
    assert plan.record() == {"Id": "001A0", "Health_Score__c": D("72.5"), "Health_Tier__c": "green"}


def test_none_means_nothing_to_say():
    plan = render("renewal", renewal(owner_id=None), current=None, last_written=None, mapping=SF)
    assert "OwnerId" not in plan.payload
    skipped = next(d for d in plan.decisions if d.crm_field == "OwnerId")
    assert skipped.outcome is Outcome.SKIPPED


def test_hubspot_task_gets_its_associations_and_a_midnight_utc_due_date():
    task = TaskIntent("task:006A0:quote", "5001", "Send the renewal quote", date(2026, 10, 2),
                      account_id="9001", owner_id="70000001")  # fmt: skip
    plan = render("task", task, current=None, last_written=None, mapping=HS)
    assert plan.payload["hs_timestamp"] == "2026-10-02T00:00:00Z"
    assert plan.payload["hs_task_status"] == "NOT_STARTED"
    assert plan.associations == (
        AssociationWrite("deals", "5001", 216),
        AssociationWrite("companies", "9001", 192),
    )
    current = crm_after(plan) | {
        "@associations.deals": ["5001"],
        "@associations.companies": ["9001"],
    }
    again = render("task", task, current=current, last_written=plan.payload, mapping=HS)
    assert not again.changes


@pytest.mark.parametrize("mapping", [SF, HS], ids=["salesforce", "hubspot"])
def test_every_intent_attribute_is_a_canonical_write_field(mapping):
    for cls in (RenewalIntent, RenewalLineIntent, TaskIntent, AccountRollupIntent):
        names = {f.name for f in fields(cls)}
        assert names - {"key", "term_months", "account_id"} <= set(WRITE[cls.concept])
        assert set(mapping.write[cls.concept].fields) <= names
