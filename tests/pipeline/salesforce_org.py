"""The Salesforce org of the pipeline suite: a sandbox, a state store and the real adapter.

Each run moves the sandbox clock one second and uses it as the run's start, so cursors,
modstamps and "today" are all fixed by the test. The adapter's back-off sleeps are recorded,
never slept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from mappings import Mapping, load_default
from sync.connectors.salesforce import RetryPolicy, connect_salesforce
from sync.core.ports import CrmPort
from sync.settings import Settings
from sync.state import StateStore
from tests.pipeline.orgs import (
    TODAY,
    AccountView,
    Org,
    RenewalView,
    TaskView,
    health_parts,
    money,
)

FAST = RetryPolicy(attempts=6, lock_attempts=6, initial_wait=0.01, max_wait=0.05, jitter=0.0)
KEY = "Renewal_Sync_Key__c"
OBJECTS = {"renewal": "Opportunity", "renewal_line": "OpportunityLineItem", "task": "Task"}


@dataclass
class SalesforceOrg(Org):
    sandbox: SalesforceSandbox
    served: ServedApp
    store: StateStore
    mapping: Mapping = field(default_factory=lambda: load_default("salesforce"))
    sleeps: list[float] = field(default_factory=list)
    today: date = TODAY
    crm = "salesforce"
    stage_field = "StageName"

    def settings(self, **extra: Any) -> Settings:
        values: dict[str, Any] = {
            "crm": "salesforce",
            "sf_instance_url": self.served.url,
            "sf_login_url": self.served.url,
            "sf_client_id": self.sandbox.client_id,
            "sf_client_secret": self.sandbox.client_secret,
            "database_url": "sqlite:///unused.db",
            "today": self.today,
            **extra,
        }
        return Settings(**values)

    def port(self, **extra: Any) -> CrmPort:
        session = requests.Session()
        session.verify = str(self.served.ca_bundle)
        return connect_salesforce(
            self.settings(**extra), session=session, sleep=self.sleeps.append, policy=FAST
        )

    def with_store(self, store: StateStore) -> SalesforceOrg:
        return SalesforceOrg(self.sandbox, self.served, store, self.mapping)

    # -- what a person does in the org (native records) ---------------------------------

    def person_creates(self, sobject: str, body: dict[str, Any]) -> str:
        self.sandbox.clock.advance(timedelta(seconds=1))
        return self.sandbox.writer.create(self.sandbox.schema.object(sobject), body)

    def person_updates(self, sobject: str, record_id: str, body: dict[str, Any]) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        self.sandbox.writer.update(self.sandbox.schema.object(sobject), record_id, body)

    def record(self, record_id: str) -> dict[str, Any]:
        found = self.sandbox.record(record_id)
        assert found is not None, record_id
        return found

    def native_renewals(self) -> list[dict[str, Any]]:
        return [o for o in self.sandbox.records("Opportunity") if o.get(KEY)]

    # -- the neutral views --------------------------------------------------------------

    def renewals(self) -> list[RenewalView]:
        return [_renewal(o) for o in self.native_renewals()]

    def tasks_of(self, renewal_id: str) -> list[TaskView]:
        tasks = [t for t in self.sandbox.records("Task") if t.get("WhatId") == renewal_id]
        return [_task(t) for t in tasks]

    def account(self, account_id: str | None = None) -> AccountView:
        accounts = self.sandbox.records("Account")
        (a,) = [x for x in accounts if account_id in (None, x["Id"])]
        score = a.get("Health_Score__c")
        return AccountView(
            a["Id"], a.get("OwnerId"), a.get("Next_Renewal_Date__c"),
            money(a.get("Open_Renewal_Amount__c")), money(a.get("Active_ARR__c")),
            None if score is None else Decimal(str(score)), a.get("Health_Tier__c"),
            a.get("Health_Date__c"), health_parts(a.get("Health_Parts__c")),
        )  # fmt: skip

    def contract_id(self) -> str:
        (found,) = [
            o["Id"] for o in self.sandbox.records("Opportunity") if o["Type"] == "New Customer"
        ]
        return str(found)

    def lines_total(self, renewal_id: str) -> Decimal:
        lines = self.sandbox.records("OpportunityLineItem")
        total = sum(
            (Decimal(str(li["TotalPrice"])) for li in lines if li["OpportunityId"] == renewal_id),
            Decimal(0),
        )
        return total.quantize(Decimal("0.01"))

    def service_keys(self) -> dict[str, Counter[str]]:
        def keys(sobject: str) -> Counter[str]:
            return Counter(r[KEY] for r in self.sandbox.records(sobject) if r.get(KEY))

        return {
            "renewal": keys("Opportunity"),
            "line": keys("OpportunityLineItem"),
            "task": keys("Task"),
        }

    def open_renewal_terms(self) -> Counter[tuple[str, str, str]]:
        return Counter(
            (o["AccountId"], o["Product_Family__c"], o["Contract_Start_Date__c"])
            for o in self.native_renewals()
            if not o["IsClosed"]
        )

    def crm_state(self) -> dict[str, Any]:
        return crm_state(self.sandbox)

    # -- what a person does, in neutral words ------------------------------------------

    def person_books_upgrade(self, contract_id: str, seats: int, start: date) -> str:
        account = self.record(contract_id)["AccountId"]
        upgrade = self.person_creates("Opportunity", {
            "Name": "Worked Example - more seats", "AccountId": account, "StageName": "Closed Won",
            "CloseDate": start.isoformat(), "Type": "Existing Customer - Upgrade",
            "Contract_Start_Date__c": start.isoformat(), "Contract_End_Date__c": "2026-12-31",
            "Amended_Opportunity__c": contract_id, "Product_Family__c": "Analytics",
            "Pricebook2Id": self.sandbox.standard_pricebook_id,
        })  # fmt: skip
        self.person_creates("OpportunityLineItem", {
            "OpportunityId": upgrade, "PricebookEntryId": self._standard_entry("ANL-SEAT"),
            "Quantity": seats, "UnitPrice": 300, "Discount": 5,
        })  # fmt: skip
        return upgrade

    def person_books_termination(self, contract_id: str, on: date) -> str:
        return self.person_creates("Opportunity", {
            "Name": "Worked Example - termination",
            "AccountId": self.record(contract_id)["AccountId"],
            "StageName": "Closed Won", "CloseDate": on.isoformat(), "Type": "Termination",
            "Contract_Start_Date__c": on.isoformat(), "Amended_Opportunity__c": contract_id,
            "Product_Family__c": "Analytics",
        })  # fmt: skip

    def person_books_recast(
        self, contract_id: str, product: str, plan_sku: str, price: int, start: date, end: date
    ) -> str:
        recast = self.person_creates("Opportunity", {
            "Name": f"Worked Example - recast to {product}",
            "AccountId": self.record(contract_id)["AccountId"], "StageName": "Closed Won",
            "CloseDate": start.isoformat(), "Type": "Existing Customer - Replacement",
            "Contract_Start_Date__c": start.isoformat(), "Contract_End_Date__c": end.isoformat(),
            "Amended_Opportunity__c": contract_id, "Product_Family__c": product,
            "Renewal_Terms__c": "Manual", "Pricebook2Id": self.sandbox.standard_pricebook_id,
        })  # fmt: skip
        self.person_creates("OpportunityLineItem", {
            "OpportunityId": recast, "PricebookEntryId": self._standard_entry(plan_sku),
            "Quantity": 1, "UnitPrice": price,
        })  # fmt: skip
        return recast

    def person_corrects_end_date(self, contract_id: str, end: date) -> None:
        self.person_updates("Opportunity", contract_id, {"Contract_End_Date__c": end.isoformat()})

    def person_changes_product(self, order_id: str, product: str) -> None:
        self.person_updates("Opportunity", order_id, {"Product_Family__c": product})

    def customer_answers_survey(self, account_id: str, sentiment: str, at: datetime) -> None:
        self.person_creates("Customer_Feedback__c", {
            "Name": f"CSAT {at:%Y-%m-%d %H:%M}", "Account__c": account_id,
            "Sentiment__c": sentiment.capitalize(), "Responded_At__c": at.isoformat(),
        })  # fmt: skip

    def person_changes_list_price(self, sku: str, yearly: Decimal) -> None:
        products = {r["Id"] for r in self.sandbox.records("Product2") if r["ProductCode"] == sku}
        entry = next(r for r in self.sandbox.records("PricebookEntry")
                     if r["Product2Id"] in products)  # fmt: skip
        self.person_updates("PricebookEntry", entry["Id"], {"UnitPrice": float(yearly)})

    def person_clears_seat_counts(self, account_id: str) -> None:
        self.person_updates(
            "Account", account_id, {"Licensed_Seats__c": None, "Active_Seats__c": None}
        )

    def _keyed(self, sobject: str) -> list[tuple[str, str]]:
        return [(r["Id"], r[KEY]) for r in self.sandbox.records(sobject) if r.get(KEY)]

    def _rekey_in_crm(self, new: str, old: str) -> dict[str, dict[str, str]]:
        moves: dict[str, dict[str, str]] = {}
        for concept, obj in OBJECTS.items():
            for record_id, key in self._keyed(obj):
                if key == new or key.startswith(f"{new}:"):
                    moves.setdefault(concept, {})[key] = old + key[len(new) :]
                    self.person_updates(obj, record_id, {KEY: old + key[len(new) :]})
        return moves

    def person_moves_stage(self, renewal_id: str) -> str:
        self.person_updates("Opportunity", renewal_id, {"StageName": "Negotiation/Review"})
        return "Negotiation/Review"

    def person_deletes_task(self, task_id: str) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        self.sandbox.writer.delete(task_id)

    def person_records_billing(self, order_id: str, billed: Decimal) -> None:
        self.person_updates("Opportunity", order_id, {"Billed_To_Date__c": float(billed)})

    def recast_credit(self, order_id: str) -> tuple[Decimal | None, str]:
        record = self.record(order_id)
        return money(record.get("Recast_Credit__c")), record.get("Recast_Credit_Note__c") or ""

    def person_deletes_renewal(self, renewal_id: str) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        self.sandbox.writer.delete(renewal_id)

    def person_closes_renewal(self, renewal_id: str, *, won: bool) -> None:
        stage = "Closed Won" if won else "Closed Lost"
        self.person_updates("Opportunity", renewal_id, {"StageName": stage})

    def restore_open_amount_untracked(self, account_id: str, amount: Decimal) -> None:
        store = self.sandbox.store
        with store.lock:
            row = dict(store.table("Account")[account_id])
            row["Open_Renewal_Amount__c"] = float(amount)
            store.put("Account", row)  # SystemModstamp as it was

    def purge(self, record_id: str) -> None:
        store = self.sandbox.store
        with store.lock:
            found = store.schema.by_prefix(record_id)
            assert found is not None, record_id
            store.remove(found.name, record_id)

    def person_creates_renewal(self, contract_id: str, amount: Decimal) -> str:
        return self.person_creates("Opportunity", {
            "Name": "Worked Example - renewal 2027 (by hand)",
            "AccountId": self.record(contract_id)["AccountId"], "StageName": "Qualification",
            "CloseDate": "2026-12-31", "Type": "Renewal", "Renewed_Opportunity__c": contract_id,
            "Product_Family__c": "Analytics", "Contract_Start_Date__c": "2027-01-01",
            "Contract_End_Date__c": "2027-12-31", "Amount": float(amount),
        })  # fmt: skip

    def person_changes_a_line_quantity(self, renewal_id: str, quantity: int) -> None:
        lines = [
            li for li in self.sandbox.records("OpportunityLineItem")
            if li["OpportunityId"] == renewal_id
        ]  # fmt: skip
        line = max(lines, key=lambda li: (li["Quantity"], li["Id"]))
        self.person_updates("OpportunityLineItem", line["Id"], {"Quantity": quantity})

    def new_day_of_allowance(self) -> None:
        self.sandbox.allowance.reset()

    def limit_calls_today(self, calls: int) -> None:
        self.sandbox.allowance.max = self.sandbox.allowance.used + calls

    def lift_call_limit(self) -> None:
        self.sandbox.allowance.max = 100_000
        self.sandbox.allowance.reset()

    def _standard_entry(self, sku: str) -> str:
        (entry,) = [
            e["Id"] for e in self.sandbox.records("PricebookEntry")
            if self.record(e["Product2Id"])["ProductCode"] == sku
        ]  # fmt: skip
        return str(entry)


def _task(t: dict[str, Any]) -> TaskView:
    completed = t["Status"] == "Completed"
    return TaskView(
        t["Id"], t["ActivityDate"], completed, t["Subject"], t.get("OwnerId"), t.get(KEY) or ""
    )


def _renewal(o: dict[str, Any]) -> RenewalView:
    stage = "open" if not o.get("IsClosed") else ("won" if o.get("IsWon") else "lost")
    return RenewalView(
        id=o["Id"],
        key=o[KEY],
        amount=money(o.get("Amount")),
        close_date=o.get("CloseDate"),
        stage=stage,
        stage_name=o["StageName"],
        term_start=o.get("Contract_Start_Date__c"),
        term_end=o.get("Contract_End_Date__c"),
        renews=o.get("Renewed_Opportunity__c"),
        owner=o.get("OwnerId"),
        ledger=o.get("Renewal_Ledger__c") or "",
        computed_amount=money(o.get("Renewal_Computed_Amount__c")),
        lapsed=bool(o.get("Renewal_Lapsed__c")),
        loss_reason=o.get("Loss_Reason__c"),
        product=o.get("Product_Family__c"),
    )


def crm_state(sandbox: SalesforceSandbox) -> dict[str, Any]:
    """What a user sees, with record ids of the service's records replaced by their keys,
    so two orgs that reached the same state through different retries compare equal."""
    opps = sandbox.records("Opportunity")
    key_of = {o["Id"]: o["Renewal_Sync_Key__c"] for o in opps if o.get("Renewal_Sync_Key__c")}

    def ref(value: Any) -> Any:
        return key_of.get(value, value)

    renewals = {
        o["Renewal_Sync_Key__c"]: (
            _money(o.get("Amount")), o.get("CloseDate"), o.get("StageName"),
            ref(o.get("Renewed_Opportunity__c")), o.get("Contract_Start_Date__c"),
            o.get("Renewal_Lapsed__c"), o.get("Loss_Reason__c"),
        )
        for o in opps
        if o.get("Renewal_Sync_Key__c")
    }  # fmt: skip
    lines = {
        li["Renewal_Sync_Key__c"]: (
            ref(li["OpportunityId"]),
            li["Quantity"],
            _money(li["UnitPrice"]),
        )
        for li in sandbox.records("OpportunityLineItem")
        if li.get("Renewal_Sync_Key__c")
    }
    tasks = {
        t["Renewal_Sync_Key__c"]: (ref(t["WhatId"]), t["ActivityDate"], t["Status"], t["Subject"])
        for t in sandbox.records("Task")
        if t.get("Renewal_Sync_Key__c")
    }
    rollups = {
        a["Id"]: (a.get("Health_Score__c"), a.get("Health_Tier__c"), _money(a.get("Active_ARR__c")),
                  a.get("Next_Renewal_Date__c"), _money(a.get("Open_Renewal_Amount__c")))
        for a in sandbox.records("Account")
    }  # fmt: skip
    return {"renewals": renewals, "lines": lines, "tasks": tasks, "rollups": rollups}


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
