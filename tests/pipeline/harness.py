"""A Salesforce sandbox, a state store and the real adapter, wired for pipeline scenarios.

Each run moves the sandbox clock one second and uses it as the run's start, so cursors,
modstamps and "today" are all fixed by the test. The adapter's back-off sleeps are recorded,
never slept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from mappings import Mapping, load_default
from sync.connectors.salesforce import RetryPolicy, connect_salesforce
from sync.core.ports import CrmPort
from sync.pipeline.run import RunResult, run_once
from sync.settings import Settings
from sync.state import StateStore

TODAY = date(2026, 11, 21)
FAST = RetryPolicy(attempts=6, lock_attempts=6, initial_wait=0.01, max_wait=0.05, jitter=0.0)


@dataclass
class Harness:
    sandbox: SalesforceSandbox
    served: ServedApp
    store: StateStore
    mapping: Mapping = field(default_factory=lambda: load_default("salesforce"))
    sleeps: list[float] = field(default_factory=list)
    today: date = TODAY

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

    def run(
        self,
        *,
        dry_run: bool = False,
        wrap: Callable[[CrmPort], CrmPort] | None = None,
        today: date | None = None,
        **settings: Any,
    ) -> RunResult:
        self.sandbox.clock.advance(timedelta(seconds=1))
        port = self.port(**settings)
        return run_once(
            self.settings(**settings),
            self.store,
            wrap(port) if wrap else port,
            self.mapping,
            today=today or self.today,
            dry_run=dry_run,
            clock=self.sandbox.clock.now,
        )

    # -- what a person does in the org --------------------------------------------------

    def person_creates(self, sobject: str, body: dict[str, Any]) -> str:
        self.sandbox.clock.advance(timedelta(seconds=1))
        return self.sandbox.writer.create(self.sandbox.schema.object(sobject), body)

    def person_updates(self, sobject: str, record_id: str, body: dict[str, Any]) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        self.sandbox.writer.update(self.sandbox.schema.object(sobject), record_id, body)

    # -- what the org shows --------------------------------------------------------------

    def renewals(self) -> list[dict[str, Any]]:
        return [o for o in self.sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c")]

    def renewal(self, key_part: str) -> dict[str, Any]:
        (found,) = [o for o in self.renewals() if key_part in o["Renewal_Sync_Key__c"]]
        return found

    def tasks_of(self, renewal_id: str) -> list[dict[str, Any]]:
        return [t for t in self.sandbox.records("Task") if t.get("WhatId") == renewal_id]


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
