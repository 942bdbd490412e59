"""Compiles the pure rules with mypyc; every other piece of metadata lives in pyproject.toml.

The rules are fully typed and pure, and mypyc turns them into C extensions: about 2x the
interpreted evaluation speed, which is what reaches the issue's 50,000 subscriptions/s on one
core. `RENEWAL_SYNC_PURE_PYTHON=1` builds no extension at all: pure Python, identical results
(tests/rules/test_compiled.py proves it on every run), about half the speed.

Editable installs (`pip install -e .`, what `make install` runs): setuptools' editable mode
sets `build_ext --inplace`, so the extensions are built in a temporary directory and copied
next to their sources (`contract_rules/chains.cpython-311-x86_64-linux-gnu.so` beside
`chains.py`), and mypyc's shared helper `contract_rules__mypyc.cpython-311-x86_64-linux-gnu.so`
to the project root; the editable wheel itself holds only the finder that maps `contract_rules`
and that helper to those places, and Python's import system prefers an extension to the `.py`
beside it. Consequences: an edited rule keeps running the old compiled code until the next
install (`make install`, hence `make test`, rebuilds whenever a `contract_rules/*.py` changes,
and tests/conftest.py stops a plain `pytest` on a stale build); a pure reinstall or
`pip uninstall` leaves the old .so files in place (`make install` removes them first,
`make clean` too). Wheels (`pip wheel .`, the Dockerfile) hold the .so files instead.
"""

from __future__ import annotations

import os

from setuptools import Extension, setup

# The modules mypyc compiles: the whole evaluation path. The other modules of the package
# (the pydantic model, settings and playbooks, report, health, rollups) stay interpreted:
# mypyc cannot compile a module that defines pydantic models.
# This list is the only place that names them (the tests read it from here).
COMPILED_MODULES = [
    "contract_rules/chains.py",
    "contract_rules/contracts.py",
    "contract_rules/credit.py",
    "contract_rules/entitlements.py",
    "contract_rules/evaluate.py",
    "contract_rules/milestones.py",
    "contract_rules/money.py",
    "contract_rules/settings_view.py",
    "contract_rules/spend.py",
    "contract_rules/subscriptions.py",
    "contract_rules/terms.py",
    "contract_rules/validation.py",
]

PURE_PYTHON_ENV = "RENEWAL_SYNC_PURE_PYTHON"

# mypyc type-checks the compiled modules and everything they import (pydantic included, hence
# pydantic in [build-system].requires). `--config-file=` (empty) turns off mypy's config
# lookup, so the build does NOT read pyproject's [tool.mypy]: that table configures the
# project-wide lint (strict flags, warn_unused_ignores, its `files` and plugins for sync/ and
# tests/), and reading it here would let a new lint warning of a newer mypy, or a plugin the
# isolated build environment lacks, fail the wheel build. The compile needs correct types
# only; the strict check of the same sources is `make typecheck`, which CI runs. The
# pydantic plugin only refines constructor checks, not the types mypyc compiles with.
# `--cache-dir` keeps the build's mypy (another version, other options) out of .mypy_cache.
MYPY_OPTIONS = ["--config-file=", f"--cache-dir={os.devnull}"]


def extensions() -> list[Extension]:
    if os.environ.get(PURE_PYTHON_ENV) == "1":
        return []
    from mypyc.build import mypycify  # noqa: PLC0415 (a build requirement; pure builds skip it)

    return mypycify(
        [*MYPY_OPTIONS, *COMPILED_MODULES],
        opt_level="3",
        # A stable name for the shared helper module instead of a hash of the module list.
        group_name="contract_rules",
    )


if __name__ == "__main__":
    setup(ext_modules=extensions())
