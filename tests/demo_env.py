"""The environment `renewal-sync demo` exports, given back after each test that runs it."""

from __future__ import annotations

import re

import pytest

DEMO_ENV = (
    "SF_INSTANCE_URL", "SF_LOGIN_URL", "SF_ACCESS_TOKEN", "SF_CLIENT_ID", "SF_CLIENT_SECRET",
    "SF_USERNAME", "SF_API_VERSION", "REQUESTS_CA_BUNDLE",
    "HUBSPOT_ACCESS_TOKEN", "HUBSPOT_API_HOST", "RENEWAL_SYNC_HUBSPOT_TEN_SECOND_LIMIT",
    "RENEWAL_SYNC_CRM", "DATABASE_URL", "RENEWAL_SYNC_TODAY", "RENEWAL_SYNC_LOG_LEVEL",
    "RENEWAL_SYNC_MAPPING_FILE", "RENEWAL_SYNC_CONFIG", "RENEWAL_SYNC_SECRETS_DIR",
)  # fmt: skip


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo exports its settings into the environment; give them back afterwards."""
    for name in DEMO_ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("RENEWAL_SYNC_LOG_LEVEL", "WARNING")


def assert_ran_twice_writing_nothing_the_second_time(output: str) -> None:
    """The demo's two runs as it prints them: the first writes renewals and tasks, the
    second succeeds and writes nothing."""
    first = re.search(r"== first run \(full\) ==\nrun \S+: succeeded\n.*\n  written: (.+)", output)
    assert first is not None, output
    assert "renewal" in first.group(1)
    assert "task" in first.group(1)
    assert re.search(r"== second run ==\nrun \S+: succeeded\n.*\n  written: nothing", output)
    assert "the second run wrote nothing" in output
