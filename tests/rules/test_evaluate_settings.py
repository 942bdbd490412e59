"""`renewal-sync rules evaluate --settings FILE` prints the numbers the service would write
with that file's [rules] table (issue 13: it used to ignore the service's rule settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli.main import app

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders.json"


def _evaluate(*extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["rules", "evaluate", str(ORDERS), "--as-of", "2026-09-01", *extra]
    )
    return result.exit_code, result.output


def test_the_settings_files_rules_change_the_renewal_amount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RENEWAL_SYNC_CONFIG", raising=False)
    code, plain = _evaluate()
    assert code == 0
    assert "renewal 25350.00" in plain
    settings = tmp_path / "renewal-sync.toml"
    settings.write_text('crm = "salesforce"\n\n[rules]\npricing = "uplift"\nuplift_percent = 10\n')
    code, uplifted = _evaluate("--settings", str(settings))
    assert code == 0, uplifted
    assert "renewal 27885.00" in uplifted  # 25,350 raised by 10 %
    monkeypatch.setenv("RENEWAL_SYNC_CONFIG", str(settings))  # as the service finds it
    assert "renewal 27885.00" in _evaluate()[1]


def test_a_bad_rules_table_names_the_file_and_the_setting(tmp_path: Path) -> None:
    settings = tmp_path / "renewal-sync.toml"
    settings.write_text('[rules]\npricing = "cheapest"\n')
    code, output = _evaluate("--settings", str(settings))
    assert code == 2
    assert str(settings) in output
    assert "[rules].pricing" in output
