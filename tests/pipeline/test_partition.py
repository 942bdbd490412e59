"""Where each mirrored record belongs (`sync/pipeline/partition.py`), by the shipped mappings."""

from __future__ import annotations

from mappings import load_default
from sync.pipeline.partition import batches, key_owner, placement


def test_each_stream_is_placed_under_the_record_it_is_evaluated_with() -> None:
    mapping = load_default("salesforce")
    assert placement("account", "001A", {"Name": "Acme"}, mapping) == ("001A", None)
    upgrade = {"AccountId": "001A", "Amended_Opportunity__c": "006C"}
    assert placement("order", "006U", upgrade, mapping) == ("001A", "006C")
    renewal = {"AccountId": "001A", "Renewed_Opportunity__c": "006C"}
    assert placement("order", "006R", renewal, mapping) == ("001A", "006C")
    assert placement("line", "00kL", {"OpportunityId": "006C"}, mapping) == ("006C", None)
    assert placement("case", "500X", {"AccountId": "001A"}, mapping) == ("001A", None)
    task = {"Renewal_Sync_Key__c": "rn:006C/2:task:90"}
    assert placement("written:task", "00TT", task, mapping) == ("006C", None)
    assert placement("price", "01uP", {"UnitPrice": 10}, mapping) == ("", None)
    assert placement("order", "006Q", {"Name": "no account"}, mapping) == ("", None)


def test_a_hubspot_association_names_the_parent() -> None:
    mapping = load_default("hubspot")
    deal = {"@associations.companies": ["9001"]}
    parent, _ = placement("order", "77", deal, mapping)
    line = {"@associations.deals": ["77"]}
    assert (parent, placement("line", "5", line, mapping)[0]) == ("9001", "77")


def test_keys_name_their_contract_or_a_first_scheme_account() -> None:
    assert key_owner("rn:006C") == "006C"
    assert key_owner("rn:006C/3:line:SEATS") == "006C"
    assert key_owner("rn:001A:Analytics:2027-01-01:task:90") == "001A"


def test_batches_hold_whole_accounts_of_about_the_limit() -> None:
    sizes = {"": 2, "001A": 3, "001B": 3, "001C": 1, "001D": 9}
    accounts = ["001A", "001B", "001C", "001D", "001E"]
    cut = list(batches(sizes, accounts, limit=5))
    assert cut == [{"", "001A"}, {"001B", "001C"}, {"001D"}, {"001E"}]
    assert set().union(*cut) == set(sizes) | set(accounts), "every account, once"
