"""A real headless browser (Debian's chromium) for pages the service serves or writes.

`render` returns the DOM after the page loaded and every console message the page logged
(chromium prints them to stderr as `CONSOLE` lines with --enable-logging); `screenshot`
saves a PNG. Tests skip without chromium unless RENEWAL_SYNC_REQUIRE_BROWSER=1 (.ci/run sets
it after installing chromium), so CI never passes by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--enable-logging=stderr", "--v=0"]  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("RENEWAL_SYNC_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def render(url: str) -> Rendered:
    done = _run(url, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Rendered(done.stdout, console)


def screenshot(url: str, path: Path, size: str = "1200,900") -> Path:
    done = _run(url, f"--screenshot={path}", f"--window-size={size}")
    assert path.is_file(), done.stderr[-2000:]
    return path
