"""Schema drift: a vanished field skips only what depends on it, with one clear message."""

from __future__ import annotations

from mappings import fields_for, load_default, plan_drift

SF = load_default("salesforce")


def test_an_optional_field_is_dropped_and_everything_else_runs():
    plan = plan_drift(SF, [("Opportunity", "Loss_Reason__c")])
    assert plan.skipped == {}
    assert plan.dropped == {"order": ("loss_reason",), "renewal": ("loss_reason",)}
    assert plan.messages[0] == (
        "Opportunity.Loss_Reason__c no longer exists in the CRM (read.order.loss_reason, "
        "mappings/defaults/salesforce.yaml:62); read.order.loss_reason is left out until the "
        "field is restored or re-mapped"
    )
    assert "Loss_Reason__c" not in fields_for(plan.without(SF), "order")


def test_an_essential_field_skips_its_concept_and_what_depends_on_it():
    plan = plan_drift(SF, [("OpportunityLineItem", "Precommit_Amount__c")])
    skipped = {"line", "order", "renewal", "renewal_line", "task", "recast_credit"}
    assert set(plan.skipped) == skipped
    assert plan.skipped["task"].startswith("depends on renewal, which is skipped")
    assert "account_rollup" not in plan.skipped


def test_a_write_only_field_leaves_reading_alone():
    plan = plan_drift(SF, [("Account", "Health_Parts__c")])
    assert plan.skipped == {}
    assert plan.dropped == {"account_rollup": ("health_parts",)}


def test_a_field_the_mapping_does_not_use_changes_nothing():
    plan = plan_drift(SF, [("Account", "Industry")])
    assert (plan.skipped, plan.dropped, plan.messages) == ({}, {}, ())
