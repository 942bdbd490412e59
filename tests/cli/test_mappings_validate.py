# ruff: noqa: E501 - the exact messages an admin reads are kept whole, one per line
"""`renewal-sync mappings validate`: every problem as file:line: path: message; hint."""

from __future__ import annotations

from pathlib import Path

from crm_sandbox.salesforce import SalesforceSandbox
from mappings import default_path
from tests.cli.conftest import invoke

DEFAULT = default_path("salesforce").read_text(encoding="utf-8")
OK_DEFAULT = (
    "mappings/defaults/salesforce.yaml: OK (salesforce, version 2, 8 read and 5 write "
    "concepts, 108 fields)"
)


def _edited(tmp_path: Path, *edits: tuple[str, str]) -> tuple[Path, str]:
    """The default mapping with `old -> new` text edits, written to a file of its own."""
    text = DEFAULT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_default_is_ok_in_one_line() -> None:
    result = invoke("mappings", "validate")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [OK_DEFAULT]


def test_a_named_file_is_validated_and_summarised(tmp_path: Path) -> None:
    path, _ = _edited(tmp_path, ("upgrade_lines: delta", "upgrade_lines: full_set"))
    result = invoke("mappings", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"{path}: OK (salesforce, version 2, 8 read and 5 write concepts, 108 fields)"
    )


def test_every_problem_of_a_bad_file_is_listed_with_line_path_and_hint(tmp_path: Path) -> None:
    path, text = _edited(
        tmp_path,
        ("      end_date: Contract_End_Date__c", "      end_dat: Contract_End_Date__c"),
        ("amount: {field: Amount, policy: unless_edited}", "amount: {field: Amount, policy: sometimes}"),
        ("          Renewal: renewal\n", "          Renewal: renewl\n"),
        ("precommit: {field: Precommit_Amount__c, per: year}\n", "precommit: {field: Precommit_Amount__c, per: yearly}\n"),
    )  # fmt: skip
    result = invoke("mappings", "validate", str(path))
    assert result.exit_code == 2
    end, policy = _line(text, "end_dat:"), _line(text, "policy: sometimes")
    kind, unit = _line(text, "Renewal: renewl"), _line(text, "per: yearly")
    assert result.output.splitlines() == [
        f"4 problems in mapping {path}:",
        f"  {path}:{end}: read.order.fields.end_dat: unknown field `end_dat` for concept order; did you mean `end_date`?",
        f"  {path}:{kind}: read.order.fields.type.values.Renewal: `renewl` is not a valid order type; use one of new, upgrade, renewal, recast, termination; did you mean `renewal`?",
        f"  {path}:{unit}: read.line.fields.precommit.per: unknown unit `yearly`; use one of year, half_year, quarter, month, term; did you mean `year`?",
        f"  {path}:{policy}: write.renewal.fields.amount.policy: unknown policy `sometimes`; use one of always, if_blank, unless_edited",
    ]  # fmt: skip


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = invoke("mappings", "validate", str(missing))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"1 problem in mapping {missing}:",
        f"  {missing}: (file): cannot read: No such file or directory",
    ]


def test_an_unknown_crm_is_refused_with_the_closest_name() -> None:
    result = invoke("mappings", "validate", "--crm", "hubspt")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "unknown CRM `hubspt`; use one of salesforce, hubspot; did you mean `hubspot`?"
    )


def test_the_configured_file_is_the_default_file(tmp_path: Path, monkeypatch) -> None:
    path, _ = _edited(tmp_path)
    monkeypatch.setenv("RENEWAL_SYNC_MAPPING_FILE", str(path))
    result = invoke("mappings", "validate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{path}: OK")


def test_against_the_org_a_complete_org_matches(served: SalesforceSandbox) -> None:
    result = invoke("mappings", "validate", "--against-crm")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{OK_DEFAULT[:-1]}; matches the salesforce org (describe))"


def test_against_the_org_a_dropped_field_is_named_with_a_suggestion(
    served: SalesforceSandbox,
) -> None:
    served.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    result = invoke("mappings", "validate", "--against-crm")
    assert result.exit_code == 2
    line = _line(DEFAULT, "ledger: {field: Renewal_Ledger__c")
    assert result.output.splitlines() == [
        "1 problem in mapping mappings/defaults/salesforce.yaml against the salesforce org:",
        f"  mappings/defaults/salesforce.yaml:{line}: write.renewal.fields.ledger: field "
        "`Renewal_Ledger__c` does not exist on Opportunity; did you mean `Renewal_Lapsed__c`?",
    ]


def test_against_the_org_a_misspelt_field_gets_the_closest_real_one(
    served: SalesforceSandbox, tmp_path: Path
) -> None:
    path, text = _edited(
        tmp_path,
        (
            "kind:\n        field: Product2.Brick_Kind__c",
            "kind:\n        field: Product2.Brick_Kynd__c",
        ),
    )
    result = invoke("mappings", "validate", str(path), "--against-crm")
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        f"  {path}:{_line(text, 'Brick_Kynd__c') - 1}: read.line.fields.kind: field `Brick_Kynd__c` "
        "does not exist on Product2; did you mean `Brick_Kind__c`?"
    ]  # fmt: skip
