"""Describe in the port's CRM-neutral shape; objects the org lacks are left out."""

from __future__ import annotations

from crm_sandbox.salesforce import SalesforceSandbox
from sync.connectors.salesforce import SalesforceAdapter
from sync.core.ports import FieldInfo


def test_describe_gives_types_flags_picklists_and_references(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    info = adapter.describe(["Account", "Opportunity"])
    assert set(info) == {"Account", "Opportunity"}
    account = info["Account"].fields
    assert account["Renewal_Sync_Key__c"] == FieldInfo(
        name="Renewal_Sync_Key__c", type="string", external_id=True, unique=True
    )
    assert account["Segment__c"].picklist_values == (
        "standard", "high_touch", "long_tail", "public_sector",
    )  # fmt: skip
    assert account["OwnerId"].reference_to == ("User",)
    opportunity = info["Opportunity"].fields
    assert opportunity["IsWon"].updateable is False
    assert opportunity["IsWon"].createable is False
    assert opportunity["Amount"].type == "currency"
    assert sandbox.ledger.count("GET", "/services/data/v60.0/sobjects/{sobject}/describe") == 2


def test_a_missing_object_is_left_out(adapter: SalesforceAdapter) -> None:
    info = adapter.describe(["Account", "Contract__c"])
    assert list(info) == ["Account"]


def test_describe_sees_drift(adapter: SalesforceAdapter, sandbox: SalesforceSandbox) -> None:
    sandbox.schema.drop_field("Account", "Health_Score__c")
    sandbox.schema.update_field("Account", "Website", updateable=False)
    fields = adapter.describe(["Account"])["Account"].fields
    assert "Health_Score__c" not in fields
    assert fields["Website"].updateable is False
