"""`renewal-sync rules`: readable table, JSON shape, exit 2 with the JSON path, schema."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sync.cli.main import app
from sync.cli.rules import input_schema, json_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "orders.json"
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["rules", *args])


def test_table_shows_the_amount_the_ledger_and_the_errors():
    result = _run("evaluate", str(EXAMPLE), "--as-of", "2026-09-01")
    assert result.exit_code == 0, result.output
    assert "A-1 / Analytics: active" in result.output
    assert "renewal 25350.00 for 2027-01-01..2027-12-31" in result.output
    assert "recast credit O-11: 8054.79" in result.output
    assert "cross_product_upgrade" in result.output


def test_json_output_has_the_issue_shape():
    result = _run("evaluate", str(EXAMPLE), "--as-of", "2026-09-01", "--json")
    assert result.exit_code == 0, result.output
    subs = {s["account_id"]: s for s in json.loads(result.output)["subscriptions"]}
    assert subs["A-1"]["renewal"]["amount"] == "25350.00"
    assert subs["A-1"]["milestones"][0] == {
        "key": "plan",
        "title": "Plan the renewal",
        "days_before": 150,
        "due_date": "2026-08-03",
    }
    assert subs["A-2"]["recast_credits"][0]["amount"] == "8054.79"
    assert subs["A-3"]["renewal"] is None


def test_a_malformed_file_names_the_json_path_and_exits_2(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["orders"][3]["lines"][0]["kind"] = "plan-ish"
    bad = tmp_path / "orders.json"
    bad.write_text(json.dumps(data))
    result = _run("evaluate", str(bad), "--as-of", "2026-09-01")
    assert result.exit_code == 2
    assert "orders[3].lines[0].kind" in result.output
    assert "docs/orders-input.md" in result.output


def test_a_discount_with_both_percent_and_amount_is_rejected_with_its_path(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["orders"][0]["lines"][0]["discounts"][0]["amount"] = "5"
    bad = tmp_path / "orders.json"
    bad.write_text(json.dumps(data))
    result = _run("evaluate", str(bad), "--as-of", "2026-09-01")
    assert result.exit_code == 2
    assert "orders[0].lines[0].discounts[0]" in result.output
    assert "exactly one of `percent` or `amount`" in result.output


def test_unreadable_or_non_json_files_exit_2(tmp_path):
    assert _run("evaluate", str(tmp_path / "missing.json"), "--as-of", "2026-09-01").exit_code == 2
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    result = _run("evaluate", str(junk), "--as-of", "2026-09-01")
    assert result.exit_code == 2
    assert "Invalid JSON" in result.output


def test_a_bad_as_of_date_is_a_usage_error():
    result = _run("evaluate", str(EXAMPLE), "--as-of", "01/09/2026")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_json_path_formats_indexes_in_brackets():
    assert json_path(("orders", 3, "lines", 0, "kind")) == "orders[3].lines[0].kind"
    assert json_path(()) == "(top level)"


def test_committed_schema_equals_the_generated_one():
    committed = json.loads((ROOT / "docs" / "schema" / "orders-input.schema.json").read_text())
    assert committed == input_schema()
    assert json.loads(_run("schema").output) == committed
