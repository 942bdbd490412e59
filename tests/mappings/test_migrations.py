"""Version-1 mapping files keep working: migrated to version 2 at load, never rewritten."""

from __future__ import annotations

from decimal import Decimal

from contract_rules import DiscountKind, UpgradeLines
from mappings import load, to_line
from mappings.migrations import v1_to_v2
from tests.mappings.helpers import HERE, problems

V1 = HERE / "v1.yaml"
D = Decimal


def test_v1_file_loads_as_version_2():
    mapping = load(V1)
    assert mapping.version == 2
    assert mapping.settings.upgrade_lines is UpgradeLines.FULL_SET


def test_v1_price_period_becomes_per_on_each_money_field():
    line = load(V1).read["line"]
    assert line.fields["unit_price"].per == "month"
    assert [(d.field, d.as_, d.kind, d.per) for d in line.discounts] == [
        ("Discount", "percent", "recurring", None),
        ("Discount_Amount__c", "amount", "recurring", "month"),
        ("One_Time_Off__c", "amount", "one_time", None),
    ]


def test_v1_write_fields_get_the_default_policies():
    fields = load(V1).write["renewal"].fields
    assert {name: spec.policy for name, spec in fields.items()} == {
        "name": "if_blank",
        "account_id": "always",
        "amount": "unless_edited",
        "close_date": "unless_edited",
        "stage": "unless_edited",
    }


def test_a_migrated_v1_file_reads_monthly_prices_as_yearly():
    record = {
        "Id": "00k1", "OpportunityId": "006", "ProductCode": "SEAT", "Kind__c": "subscription",
        "Quantity": 20, "UnitPrice": 25, "Discount": 5, "Discount_Amount__c": 10,
    }  # fmt: skip
    line = to_line(record, load(V1)).line  # type: ignore[union-attr]
    assert line.unit_price == D(300)
    assert [(d.kind, d.percent, d.amount) for d in line.discounts] == [
        (DiscountKind.RECURRING, D(5), None),
        (DiscountKind.RECURRING, None, D(120)),
    ]


def test_problems_in_a_migrated_key_point_at_the_line_the_admin_wrote():
    old = "discount_amount_field: Discount_Amount__c"
    text = V1.read_text().replace(old, "discount_amount_field: [A, B]")
    assert problems(text) == [
        "m.yaml:23: read.line.discounts[1].field: expected text, got `['A', 'B']`"
    ]


def test_migration_is_pure_data_and_leaves_the_input_alone():
    data = {"version": 1, "upgrade_lines": "delta", "read": {}, "write": {}}
    migrated, moves = v1_to_v2(data)
    assert migrated == {
        "version": 2,
        "settings": {"upgrade_lines": "delta"},
        "read": {},
        "write": {},
    }
    assert moves == {"settings.upgrade_lines": "upgrade_lines"}
    assert data["version"] == 1
