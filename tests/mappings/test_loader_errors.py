"""Each kind of bad mapping file, with the exact message an admin reads."""

from __future__ import annotations

import pytest

from mappings import MappingError, load, load_text
from tests.mappings.helpers import minimal, problems, variant


def test_the_minimal_file_is_valid_and_remembers_lines():
    mapping = minimal()
    assert mapping.source == "minimal.yaml"
    assert mapping.line_of("read.order.fields.end_date") == 22
    assert mapping.line_of("read.order.fields.end_date.values") == 22


def test_unknown_canonical_field_suggests_the_closest():
    text = variant("      end_date: End__c", "      end_dat: End__c")
    assert problems(text) == [
        "m.yaml:22: read.order.fields.end_dat: unknown field `end_dat` for concept order; "
        "did you mean `end_date`?"
    ]


def test_unknown_concept_suggests_the_closest_and_the_required_one_is_missing():
    assert problems(variant("  account:\n", "  acount:\n")) == [
        "m.yaml:4: read.acount: unknown read concept `acount`; did you mean `account`?",
        "m.yaml:3: read: missing required concept `account`; add `read.account` "
        "(see docs/mappings.md)",
    ]


def test_missing_required_field_says_why_it_is_needed():
    assert problems(variant("      start_date: Start__c\n", "")) == [
        "m.yaml:10: read.order.fields: missing required field `start_date` "
        "(every order needs a start date); map it to the CRM field that holds it"
    ]


def test_value_map_onto_a_canonical_value_that_does_not_exist_lists_the_valid_ones():
    text = variant("{New: new, Renewal: renewal}", "{New: new, Renewal: renewl}")
    assert problems(text) == [
        "m.yaml:15: read.order.fields.type.values.Renewal: `renewl` is not a valid order type; "
        "use one of new, upgrade, renewal, recast, termination; did you mean `renewal`?"
    ]


def test_write_value_map_keyed_by_an_unknown_canonical_value():
    text = variant("{open: Prospecting, won: Closed Won,", "{opn: Prospecting, won: Closed Won,")
    assert problems(text) == [
        "m.yaml:42: write.renewal.fields.stage.values.opn: `opn` is not a valid renewal stage; "
        "use one of open, won, lost; did you mean `open`?"
    ]


def test_bad_policy():
    assert problems(variant("policy: unless_edited", "policy: sometimes")) == [
        "m.yaml:38: write.renewal.fields.amount.policy: unknown policy `sometimes`; "
        "use one of always, if_blank, unless_edited"
    ]


def test_bad_unit():
    assert problems(variant("per: month", "per: monthly")) == [
        "m.yaml:31: read.line.fields.unit_price.per: unknown unit `monthly`; "
        "use one of year, half_year, quarter, month, term; did you mean `month`?"
    ]


def test_per_on_a_field_that_is_not_recurring_money():
    assert problems(
        variant("      quantity: Quantity", "      quantity: {field: Quantity, per: month}")
    ) == [
        "m.yaml:30: read.line.fields.quantity.per: `per` only applies to recurring money; "
        "`quantity` is not"
    ]


def test_one_crm_field_written_by_two_canonical_fields():
    assert problems(variant("      close_date: CloseDate", "      close_date: Amount")) == [
        "m.yaml:39: write.renewal.fields.close_date: CRM field `Amount` is also written by "
        "`amount`; each CRM field can be written by one canonical field only"
    ]


def test_write_concept_without_key_field():
    text = variant(
        "    key_field: Key__c\n    fields:\n      renewal_id", "    fields:\n      renewal_id"
    )
    assert problems(text) == [
        "m.yaml:43: write.task: missing `key_field`; name the field that keys task records, "
        "e.g. Renewal_Sync_Key__c (an external id)"
    ]


def test_unknown_key_in_a_concept_and_the_missing_one():
    assert problems(variant("    object: Task\n", "    objekt: Task\n")) == [
        "m.yaml:43: write.task.object: missing required key `object`; "
        "add it (see docs/mappings.md)",
        "m.yaml:44: write.task.objekt: unknown key `objekt`; did you mean `object`?",
    ]


def test_unknown_key_in_a_field_spec():
    text = variant("{field: UnitPrice, per: month}", "{feild: UnitPrice, per: month}")
    assert problems(text)[0] == (
        "m.yaml:31: read.line.fields.unit_price.feild: unknown key `feild`; did you mean `field`?"
    )


def test_unknown_crm():
    assert problems(variant("crm: salesforce", "crm: salesforse")) == [
        "m.yaml:2: crm: unknown CRM `salesforse`; use one of salesforce, hubspot; "
        "did you mean `salesforce`?"
    ]


def test_associations_are_hubspot_only():
    assert problems(
        variant("      order_id: OpportunityId", "      order_id: {association: deals}")
    ) == [
        "m.yaml:27: read.line.fields.order_id.association: associations are HubSpot only; "
        "use `field:` (a lookup field)"
    ]


def test_field_and_value_together():
    assert problems(
        variant("      product: Family__c", "      product: {field: Family__c, value: X}")
    ) == [
        "m.yaml:20: read.order.fields.product: give exactly one of `field`, `association` or "
        "`value`; `field` names the CRM field; `value` is a constant"
    ]


def test_unknown_transform():
    assert problems(
        variant("      sku: ProductCode", "      sku: {field: ProductCode, transform: uper}")
    ) == [
        "m.yaml:28: read.line.fields.sku.transform: unknown transform `uper`; use one of domain, "
        "trim, lower, upper, percent_from_fraction, midnight_utc, epoch_ms, iso_months; "
        "did you mean `upper`?"
    ]


def test_duplicate_key_in_yaml():
    assert problems(
        variant("      id: Id\n  order:", "      id: Id\n      id: Name\n  order:")
    ) == ["m.yaml:8: read.account.fields.id: duplicate key `id` (first on line 7); keep only one"]


def test_newer_version():
    assert problems(variant("version: 2", "version: 3")) == [
        "m.yaml:1: version: version 3 is newer than this renewal-sync understands (2); "
        "upgrade renewal-sync"
    ]


def test_yaml_syntax_error_has_its_line():
    assert problems(variant("      sku: ProductCode", "      sku: [ProductCode")) == [
        "m.yaml:29: (file): not valid YAML: expected ',' or ']', but got ':'"
    ]


def test_wrong_type_of_value():
    assert problems(variant("    key_field: Id", "    key_field: [Id]")) == [
        "m.yaml:53: write.account_rollup.key_field: expected text, got `['Id']`"
    ]


def test_every_problem_of_a_file_is_reported_at_once():
    text = variant("      end_date: End__c", "      end_dat: End__c")
    text = text.replace("policy: unless_edited", "policy: sometimes").replace(
        "per: month", "per: x"
    )
    with pytest.raises(MappingError) as caught:
        load_text(text, "m.yaml")
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith("3 problems in mapping m.yaml\n  m.yaml:22: ")


def test_unreadable_file(tmp_path):
    with pytest.raises(MappingError, match="cannot read"):
        load(tmp_path / "absent.yaml")


def test_a_typo_of_version_is_named_with_its_line_and_the_key_it_meant():
    assert problems(variant("version: 2\n", "versoin: 2\n")) == [
        "m.yaml:1: versoin: unknown key `versoin`; did you mean `version`?"
    ]


def test_a_missing_version_says_so():
    assert problems(variant("version: 2\n", "")) == [
        "m.yaml: version: `version` is missing; add `version: 2`"
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "path"),
    [
        (  # flow style, a write field
            "amount: {field: Amount, policy: unless_edited}",
            "amount: {field: Amount, polciy: unless_edited}",
            38,
            "write.renewal.fields.amount.polciy",
        ),
        (  # block style, the same key
            "amount: {field: Amount, policy: unless_edited}",
            "amount:\n        field: Amount\n        polciy: unless_edited",
            40,
            "write.renewal.fields.amount.polciy",
        ),
    ],
)
def test_a_typo_inside_an_inline_or_block_spec_is_named_in_either_yaml_style(
    old: str, new: str, line: int, path: str
) -> None:
    assert problems(variant(old, new)) == [
        f"m.yaml:{line}: {path}: unknown key `polciy`; did you mean `policy`?"
    ]
