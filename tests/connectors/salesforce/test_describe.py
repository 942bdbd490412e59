"""Describe in the port's CRM-neutral shape; objects the org lacks are left out."""

from __future__ import annotations

from crm_sandbox.salesforce import SalesforceSandbox
from mappings import FieldInfo, check_against_describe, load_default
from sync.cli.mappings import describe_for
from sync.connectors.salesforce import SalesforceAdapter


def test_describe_gives_types_flags_picklists_and_references(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    info = adapter.describe(["Account", "Opportunity"])
    assert set(info) == {"Account", "Opportunity"}
    account = info["Account"].fields
    assert account["Renewal_Sync_Key__c"] == FieldInfo(
        name="Renewal_Sync_Key__c", type="string", external_id=True, unique=True, length=80
    )
    assert account["Health_Score__c"].length is None  # a number has no text length
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


def test_lookups_carry_the_relationship_name_a_field_path_uses(
    adapter: SalesforceAdapter,
) -> None:
    """Salesforce's `Product2Id` is reached as `Product2.`, a custom `Account__c` as
    `Account__r.`: describe's `relationshipName`, which the connector keeps (Salesforce
    Object Reference, "Relationship Names": developer.salesforce.com/docs/atlas.en-us.
    object_reference.meta/object_reference/relationships_among_objects.htm)."""
    fields = adapter.describe(["OpportunityLineItem", "Opportunity"])
    assert fields["OpportunityLineItem"].fields["Product2Id"].relationship == "Product2"
    amended = fields["Opportunity"].fields["Amended_Opportunity__c"]
    assert amended.relationship == "Amended_Opportunity__r"
    assert fields["Opportunity"].fields["Amount"].relationship is None


def test_the_default_mapping_checks_clean_against_the_connectors_describe(
    adapter: SalesforceAdapter,
) -> None:
    mapping = load_default("salesforce")
    described = describe_for(mapping, adapter)
    assert "Product2" in described  # reached through OpportunityLineItem.Product2Id
    assert check_against_describe(mapping, described) == []
