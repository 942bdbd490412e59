"""The rules run compiled (mypyc, see setup.py); the pure-Python fallback gives the same results.

CI tests what ships: unless RENEWAL_SYNC_PURE_PYTHON=1 asked for a pure install, every module
setup.py compiles must be imported from its compiled file. And every run proves the fallback
identical: the golden test (every result of 3,000 subscriptions under every settings variant)
runs again in a subprocess on a copy of the plain sources, which shadows the compiled build.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from tests.compiled_build import (
    PACKAGE,
    PURE_PYTHON_ENV,
    ROOT,
    compiled_sources,
    module_name,
    pure_python_requested,
)

GOLDEN = ROOT / "tests" / "rules" / "test_golden.py"

# Runs in the subprocess. Importing the package first fixes where every `contract_rules.*`
# comes from (its __path__), whatever pytest later puts on sys.path; after the golden test,
# every loaded rule module must still come from the plain copy.
_PURE_GOLDEN_RUN = """
import sys
from pathlib import Path

copy = Path(sys.argv[1]).resolve()
import contract_rules.chains
assert Path(contract_rules.chains.__file__).resolve() == copy / "chains.py", contract_rules.chains

import pytest
code = pytest.main(sys.argv[2:])
elsewhere = sorted(
    name
    for name, module in sys.modules.items()
    if name.partition(".")[0] == "contract_rules"
    and Path(module.__file__).resolve().parent != copy
)
assert not elsewhere, f"not from the plain copy: {elsewhere}"
sys.exit(code)
"""


def test_the_setup_list_names_existing_rule_modules():
    sources = compiled_sources()
    assert sources
    assert len(set(sources)) == len(sources)
    for source in sources:
        assert (ROOT / source).is_file(), source
        assert (ROOT / source).parent == PACKAGE, source


@pytest.mark.parametrize("source", compiled_sources())
def test_every_listed_module_is_imported_compiled(source):
    if pure_python_requested():
        pytest.skip(f"{PURE_PYTHON_ENV}=1: a pure-Python install has no compiled modules")
    module = importlib.import_module(module_name(source))
    loaded = module.__file__ or ""
    assert loaded.endswith(tuple(EXTENSION_SUFFIXES)), (
        f"{module.__name__} is not compiled (loaded from {loaded}): run `make install`, "
        f"or set {PURE_PYTHON_ENV}=1 to test a pure-Python install"
    )


@pytest.mark.slow
def test_the_pure_python_sources_give_the_golden_results(tmp_path: Path):
    copy = tmp_path / "contract_rules"
    copy.mkdir()
    for source in PACKAGE.glob("*.py"):
        shutil.copy2(source, copy / source.name)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    command = [sys.executable, "-c", _PURE_GOLDEN_RUN, str(copy)]
    command += ["-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(GOLDEN)]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout
