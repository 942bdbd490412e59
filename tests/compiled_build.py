"""The mypyc build of the rules as the tests see it: which modules setup.py compiles, where
their compiled files are, and whether those match the sources.

setup.py's `COMPILED_MODULES` is the one list of compiled modules; it is read here as a literal
(setup.py is never executed by the tests). An editable install puts each compiled module next
to its source (`contract_rules/chains.cpython-311-x86_64-linux-gnu.so` beside `chains.py`),
and Python then imports the compiled file, however old it is.
"""

from __future__ import annotations

import ast
import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "setup.py"
PACKAGE = ROOT / "contract_rules"
PURE_PYTHON_ENV = "RENEWAL_SYNC_PURE_PYTHON"


def pure_python_requested() -> bool:
    return os.environ.get(PURE_PYTHON_ENV) == "1"


def compiled_sources() -> list[str]:
    """setup.py's COMPILED_MODULES: source paths relative to the project root."""
    for node in ast.parse(SETUP.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["COMPILED_MODULES"]
            and isinstance(value := ast.literal_eval(node.value), list)
        ):
            return [str(path) for path in value]
    raise LookupError(f"no COMPILED_MODULES = [...] list in {SETUP}")


def module_name(source: str) -> str:
    """`contract_rules/chains.py` -> `contract_rules.chains`."""
    return source.removesuffix(".py").replace("/", ".")


def compiled_files(source: Path) -> list[Path]:
    """The extension modules that would be imported instead of `source` (a .py file)."""
    stem = source.with_suffix("")
    return [
        path
        for suffix in EXTENSION_SUFFIXES
        if (path := stem.with_name(stem.name + suffix)).exists()
    ]


def build_problem() -> str | None:
    """Why the compiled files beside the sources cannot be trusted, or None when they can.

    A pure install (no compiled file at all) is never a problem.
    """
    compiled = [
        (source, built)
        for source in sorted(PACKAGE.glob("*.py"))
        for built in compiled_files(source)
    ]
    if compiled and pure_python_requested():
        return (
            f"{PURE_PYTHON_ENV}=1 but {len(compiled)} compiled rule modules sit next to their "
            f"sources (e.g. {compiled[0][1].relative_to(ROOT)}), and Python imports those: "
            f"run `{PURE_PYTHON_ENV}=1 make install` (it removes them before installing)"
        )
    for source, built in compiled:
        if source.stat().st_mtime > built.stat().st_mtime:
            return (
                f"{source.relative_to(ROOT)} is newer than its compiled module "
                f"{built.relative_to(ROOT)}, so the tests would run the old compiled code: "
                f"run `make install` (or `{PURE_PYTHON_ENV}=1 make install` for pure Python)"
            )
    return None
