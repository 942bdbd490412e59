"""`renewal-sync doctor`: a ready org passes; a missing field, type, key flag or picklist
value is named in the section an admin acts on, and the command exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.schema import PicklistValue
from mappings import default_path
from tests.cli.conftest import invoke

DEFAULT = "mappings/defaults/salesforce.yaml"
TEXT = default_path("salesforce").read_text(encoding="utf-8")


def _line(fragment: str) -> int:
    return next(n for n, line in enumerate(TEXT.splitlines(), 1) if fragment in line)


def test_a_complete_org_is_ready(served: SalesforceSandbox) -> None:
    result = invoke("doctor")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"renewal-sync doctor: salesforce, mapping {DEFAULT}, 11 object(s) described",
        "OK: every object, field, type, key and picklist value the mapping needs exists",
    ]


def test_a_dropped_field_is_named_once_with_every_use(served: SalesforceSandbox) -> None:
    served.schema.drop_field("OpportunityLineItem", "Precommit_Amount__c")
    result = invoke("doctor")
    assert result.exit_code == 1
    read, write = (
        _line("precommit: {field: Precommit_Amount__c, per: year}"),
        _line("precommit: {field: Precommit_Amount__c, per: year, policy"),
    )
    assert result.output.splitlines()[1:5] == [
        "1 thing missing or wrong in the salesforce org:",
        "",
        "Missing fields:",
        "  - field `Precommit_Amount__c` does not exist on OpportunityLineItem (mapped at "
        f"read.line.fields.precommit ({DEFAULT}:{read}), write.renewal_line.fields.precommit "
        f"({DEFAULT}:{write})); did you mean `One_Time_Discount_Amount__c`?",
    ]
    assert "sf project deploy start --source-dir salesforce/force-app" in result.output


def test_types_keys_and_picklist_values_are_sorted_by_what_to_fix(
    served: SalesforceSandbox,
) -> None:
    served.schema.change_type("Account", "Health_Date__c", "string")
    served.schema.update_field("Task", "Renewal_Sync_Key__c", external_id=False, unique=False)
    year = PicklistValue("Year", "Year", default=True)
    served.schema.update_field("OpportunityLineItem", "Price_Period__c", picklist=(year,))
    served.schema.update_field("Opportunity", "Renewal_Computed_Amount__c", updateable=False)
    result = invoke("doctor")
    assert result.exit_code == 1
    text = result.output
    assert "4 things missing or wrong in the salesforce org:" in text
    sections = [line for line in text.splitlines() if line.endswith(":") and not line[0].isspace()]
    assert sections[1:] == [
        "Wrong field types:",
        "Fields the service cannot write:",
        "Keys not flagged External ID / Unique:",
        "Missing picklist values:",
    ]
    assert "`Health_Date__c` is a string field; date needs one of date, datetime" in text
    assert "`Renewal_Computed_Amount__c` is not updateable, but policy always updates it" in text
    assert "`Renewal_Sync_Key__c` is not flagged as an external id (or unique)" in text
    assert "`Term` is not a value of picklist OpportunityLineItem.Price_Period__c" in text


def test_a_missing_custom_object_is_named(
    served: SalesforceSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = tmp_path / "org.yaml"
    mapping.write_text(TEXT.replace("object: NPS_Response__c", "object: NPS_Survey__c"))
    monkeypatch.setenv("RENEWAL_SYNC_MAPPING_FILE", str(mapping))
    result = invoke("doctor")
    assert result.exit_code == 1
    assert (
        "Missing objects:\n  - object `NPS_Survey__c` does not exist (mapped at read.nps"
        in result.output
    )


def test_fix_for_a_crm_without_a_fixer_says_so_and_lists_what_is_missing(
    served: SalesforceSandbox,
) -> None:
    served.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    result = invoke("doctor", "--fix")
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == (
        "--fix cannot create fields in salesforce through its API; see below."
    )
    assert "field `Renewal_Ledger__c` does not exist on Opportunity" in result.output
