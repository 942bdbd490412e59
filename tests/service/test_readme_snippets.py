"""The README's sandbox snippet works when pasted: run as written, in a shell, in a fresh
directory whose `.venv` is this one (the snippet's simple-salesforce uses its default API
version, which a real org and the sandbox both serve)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.slow
def test_the_sandbox_snippet_runs_as_pasted(tmp_path: Path) -> None:
    snippet = next(b for b in _shell_blocks() if "sandbox serve" in b)
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    # the snippet's `sleep 5` is for a person at a terminal; a loaded CI worker may need more
    snippet = snippet.replace(
        "sleep 5 &&",
        "for _ in $(seq 60); do grep -q CA_BUNDLE sandbox.env && break; sleep 1; done &&",
    )
    script = f"set -e\ntrap 'kill %1 2>/dev/null || true' EXIT\n{snippet}\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode in (0, 143), done.stderr
    count, _, rest = done.stdout.partition("\n")
    assert int(count) > 500  # the opportunity count of 200 generated accounts
    assert re.search(r'"calls": \{"GET /services/data/v\d+\.0/query": 1\}', rest)  # the ledger
    assert '"added": {"kind": "lock_rows"' in rest  # the fault was taken
