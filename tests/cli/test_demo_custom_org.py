"""`renewal-sync demo --mapping FILE --org-schema FILE`: the demo on an org whose fields
differ from the standard one (brick kind in Product2.Family, order type in Order_Type__c,
renewal key RS_Key__c, pre-commitment in Committed_Spend__c), synced through the example
mapping; the second run writes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate, iter_accounts
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.loader import Layout, Loader
from mappings import load
from tests.cli.conftest import START, TODAY, invoke
from tests.demo_env import assert_ran_twice_writing_nothing_the_second_time

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "docs" / "examples" / "custom-org.salesforce.yaml"
SCHEMA = ROOT / "crm_sandbox" / "salesforce" / "schema_custom_org.yaml"


def test_the_variant_org_holds_the_generated_data_in_its_own_fields() -> None:
    org = SalesforceSandbox(clock=SandboxClock(START), seed=3, schema_path=SCHEMA)
    dataset = generate(20, seed=3, today=TODAY)
    Loader(org, Layout.from_schema_file(SCHEMA)).load(dataset, iter_accounts(dataset))
    families = {p["Family"] for p in org.records("Product2")}
    assert families <= {"Platform Plans", "Add-ons", "Professional Services", "Metered"}
    assert all("Brick_Kind__c" not in p for p in org.records("Product2"))
    orders = org.records("Opportunity")
    assert {o["Order_Type__c"] for o in orders} <= {
        "New Business", "Amendment", "Renewal", "Replacement", "Cancellation",
    }  # fmt: skip
    assert all(o.get("Type") is None for o in orders)
    assert any(li.get("Committed_Spend__c") for li in org.records("OpportunityLineItem"))


def test_the_example_mapping_matches_the_variant_org_and_not_the_standard_one(
    served: SalesforceSandbox,
) -> None:
    result = invoke("mappings", "validate", str(MAPPING), "--against-crm")
    assert result.exit_code == 2
    assert "field `RS_Key__c` does not exist on Opportunity" in result.output
    assert "field `Order_Type__c` does not exist on Opportunity" in result.output
    assert load(MAPPING).write["renewal"].key_field == "RS_Key__c"


@pytest.mark.usefixtures("demo_env")
def test_the_demo_on_an_org_with_its_own_fields_runs_twice_and_writes_nothing_the_second_time(
    tmp_path: Path,
) -> None:
    result = invoke(
        "demo", "--accounts", "8", "--seed", "3", "--today", TODAY.isoformat(),
        "--state-dir", str(tmp_path), "--mapping", str(MAPPING), "--org-schema", str(SCHEMA),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    output = result.output
    assert_ran_twice_writing_nothing_the_second_time(output)
    assert "the second run wrote nothing" in output
    raised = re.search(r"renewal opportunities raised: (\d+)", output)
    assert raised is not None
    assert int(raised.group(1)) > 0
    assert (tmp_path / "report.html").is_file(), "the demo ends with the report page"


def test_the_demo_refuses_a_bad_mapping_before_generating_an_org(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MAPPING.read_text().replace("key_field: RS_Key__c", "key_feld: RS_Key__c"))
    result = invoke("demo", "--state-dir", str(tmp_path), "--mapping", str(bad))
    assert result.exit_code == 2
    assert "Generating" not in result.output
    assert "write.renewal.key_feld: unknown key `key_feld`" in result.output
