"""A sandbox served by `renewal-sync sandbox serve` in a process of its own, the way an
admin or an outside client meets it; yields the export lines it printed as a dict."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def served_process(
    crm: str, expect: str, *, accounts: int = 5, today: str = "2026-11-21"
) -> Iterator[dict[str, str]]:
    """Serve `crm` until the block ends; `expect` is the last export line to wait for."""
    command = [sys.executable, "-m", "sync.cli.main", "sandbox", "serve", "--crm", crm]
    command += ["--accounts", str(accounts), "--today", today]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    exports: dict[str, str] = {}
    try:
        assert process.stdout is not None
        while expect not in exports:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "sandbox exited"
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = shlex.split(value)[0]
        yield exports
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
