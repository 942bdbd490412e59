"""Bad records come back as values naming the record, the field and the fix; nothing raises."""

from __future__ import annotations

from mappings import OrderRecord, TranslationError, load_default, to_account, to_nps, to_order
from tests.mappings.records import sf_line, sf_opportunity, sf_worked_example_lines

SF = load_default("salesforce")


def test_a_renewal_without_an_end_date_names_the_field_and_the_need():
    opportunity = sf_opportunity(Id="006X", Type="Renewal", Contract_End_Date__c=None)
    result = to_order(opportunity, sf_worked_example_lines("006X"), SF)
    assert isinstance(result, TranslationError)
    assert str(result) == (
        "Opportunity 006X field Contract_End_Date__c is empty; a renewal order needs an end date "
        "(the last day of its term)"
    )
    assert (result.concept, result.record_id, result.status) == ("order", "006X", "closed_won")
    assert result.problems[0].canonical_field == "end_date"


def test_a_bad_line_makes_its_order_an_error_naming_the_line():
    lines = [*sf_worked_example_lines(), sf_line(6, "SEAT", "subscription", "many", 300.0)]
    result = to_order(sf_opportunity(), lines, SF)
    assert str(result) == "OpportunityLineItem 00kA6 field Quantity is `many`, not a number"


def test_an_unknown_brick_kind_lists_the_mapped_values():
    lines = [sf_line(1, "X", "bundle", 1.0, 10.0)]
    assert str(to_order(sf_opportunity(), lines, SF)) == (
        "OpportunityLineItem 00kA1 field Product2.Brick_Kind__c has the value `bundle`, which "
        "the mapping does not map (mapped: `plan`, `subscription`, `one_time`, `usage`)"
    )


def test_the_canonical_models_own_rules_come_back_as_values():
    opportunity = sf_opportunity(Contract_End_Date__c="2025-06-30")
    assert str(to_order(opportunity, [], SF)) == (
        "Opportunity 006A0 `end_date` is before `start_date`; the end date is the last day of "
        "the term"
    )


def test_a_discount_over_100_percent_names_the_discount_field():
    lines = [sf_line(1, "GROWTH", "plan", 1.0, 10.0, Discount=150.0)]
    result = to_order(sf_opportunity(), lines, SF)
    assert str(result) == (
        "OpportunityLineItem 00kA1 field Discount Input should be less than or equal to 100"
    )


def test_one_bad_record_never_stops_the_others():
    records = [
        sf_opportunity(Id=f"006{i}", Type="Nope" if i == 1 else "New Customer") for i in range(3)
    ]
    results = [to_order(r, [], SF) for r in records]
    assert [type(r) for r in results] == [OrderRecord, TranslationError, OrderRecord]


def test_missing_id_and_out_of_range_nps():
    assert str(to_account({"Name": "Acme"}, SF)) == (
        "Account (no id) field Id is empty; every record needs its id"
    )
    nps = to_nps({"Id": "a001", "Account__c": "001", "Score__c": 11}, SF)
    assert (
        str(nps)
        == "NPS_Response__c a001 field Score__c is 11, outside 0..10; an NPS score is 0 to 10"
    )
