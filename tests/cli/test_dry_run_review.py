"""A dry run a person can review: names beside keys, every record on request, each field's
value now and the value the run would write, and the same as JSON; against a served org."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.cli.conftest import invoke
from tests.cli.test_drift import Org, org  # noqa: F401 - the served org fixture


def _document(*args: str) -> dict[str, Any]:
    result = invoke("sync", "--once", "--dry-run", "--json", *args)
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return parsed


def test_the_json_lists_every_change_with_names_and_new_values(org: Org) -> None:  # noqa: F811
    document = _document("--all")
    renewals = document["changes"]["renewal"]
    assert len(renewals) == document["counts"]["renewal"] > 10, "--all lists past the default"
    assert all(r["name"] for r in renewals), "each renewal is named as the CRM will show it"
    first = next(r for r in renewals if r["action"] == "create")
    fields = {f["field"]: f for f in first["fields"]}
    assert fields["Name"] == {"field": "Name", "old": None, "new": first["name"]}
    total = sum(Decimal(r["amount_delta"]) for r in renewals)
    assert Decimal(document["renewal_amount_change"]) == total
    raised = [o for o in org.sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c")]
    assert raised == [], "a dry run writes nothing"
    names = {a["Id"]: a["Name"] for a in org.sandbox.records("Account")}
    rollups = document["changes"]["account_rollup"]
    assert all(r["account"] == names[r["key"]] for r in rollups), "roll-ups named by account"
    assert all(t["name"] and t["account"] for t in document["changes"]["task"])


def test_limit_caps_the_records_per_kind(org: Org) -> None:  # noqa: F811
    assert len(_document("--limit", "3")["changes"]["renewal"]) == 3
    text = invoke("sync", "--once", "--dry-run", "--limit", "2").output
    assert "more (--all lists every one)" in text


def test_an_update_shows_the_value_now_and_the_value_to_be_written(org: Org) -> None:  # noqa: F811
    org.run()
    renewal = next(o for o in org.sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c"))
    ledger = renewal["Renewal_Ledger__c"]
    org.sandbox.clock.advance(timedelta(seconds=1))
    opportunity = org.sandbox.schema.object("Opportunity")
    org.sandbox.writer.update(opportunity, renewal["Id"], {"Renewal_Ledger__c": "tampered"})
    document = _document("--all")
    (update,) = [r for r in document["changes"]["renewal"] if r["record_id"] == renewal["Id"]]
    assert update["action"] == "update"
    assert update["name"] == renewal["Name"]
    assert {"field": "Renewal_Ledger__c", "old": "tampered", "new": ledger} in update["fields"]
    text = invoke("sync", "--once", "--dry-run", "--all").output
    assert f'update {update["key"]} "{renewal["Name"]}"' in text
    assert "        Renewal_Ledger__c: tampered -> " in text
