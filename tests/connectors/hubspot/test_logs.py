"""No token in any log line: retries, refusals and the errors a run would log."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.server import ServedApp
from mappings.streams import Stream
from sync.core.logs import configure_logging, get_logger
from sync.core.ports import AuthenticationError
from tests.clocks import FakeTime
from tests.connectors.hubspot.conftest import LATER, add, connect

COMPANIES = Stream("account", "companies", ("id", "name"))
ROTATED = "pat-na1-11111111-2222-3333-4444-555555555555"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    configure_logging(json=True, level="DEBUG", stream=buffer)
    yield buffer
    structlog.reset_defaults()


def test_no_token_reaches_a_log_line(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime, lines: io.StringIO
) -> None:
    sandbox.issue_token(ROTATED)
    adapter = connect(served, sandbox, fake_time, token=ROTATED)
    add(sandbox, "companies", name="Acme")
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503, times=2))
    assert sum(len(p.records) for p in adapter.pull(COMPANIES, None, LATER)) == 1
    sandbox.expire_token()
    with pytest.raises(AuthenticationError) as caught:
        list(adapter.pull(COMPANIES, None, LATER))
    get_logger("test").error("run_failed", error=caught.value, detail=repr(caught.value.__cause__))

    text = lines.getvalue()
    events = [json.loads(line)["event"] for line in text.splitlines()]
    assert {"hubspot.retry", "hubspot.call_failed", "run_failed"} <= set(events)
    assert ROTATED not in text
