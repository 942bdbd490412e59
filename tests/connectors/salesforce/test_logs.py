"""No secret in any log line: client secret, issued tokens, the given token."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import structlog

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from mappings.streams import Stream
from sync.connectors.salesforce import RetryPolicy, connect_salesforce
from sync.core.logs import configure_logging, get_logger
from sync.core.ports import AuthenticationError
from sync.settings import Settings
from tests.connectors.salesforce.conftest import START, TOKEN, add_accounts, client_credentials

ACCOUNTS = Stream("account", "Account", ("Name",))


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    configure_logging(json=True, level="DEBUG", stream=buffer)
    yield buffer
    structlog.reset_defaults()


class Tokens:
    """Every access token the token endpoint handed out on this session."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.request.path_url == TOKEN and response.status_code == 200:
            self.issued.append(response.json()["access_token"])


def test_no_secret_reaches_a_log_line_through_logins_retries_and_failures(
    served: ServedApp, sandbox: SalesforceSandbox, lines: io.StringIO
) -> None:
    tokens, session = Tokens(), requests.Session()
    session.hooks["response"].append(tokens.hook)
    settings = client_credentials(served, sandbox)
    adapter = connect_salesforce(
        settings, session=session, sleep=lambda _: None, policy=RetryPolicy()
    )
    add_accounts(sandbox, 3)
    sandbox.faults.add(
        FaultRule(FaultKind.EXPIRED_SESSION, times=1, after=2, path_contains="queryAll")
    )
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503, times=2))
    assert sum(len(p.records) for p in adapter.pull(ACCOUNTS, None, START)) == 3

    given = sandbox.issue_token()
    sandbox.expire_sessions()
    with pytest.raises(AuthenticationError) as caught:
        connect_salesforce(Settings(sf_instance_url=served.url, sf_access_token=given))
    get_logger("test").error("run_failed", error=caught.value, detail=str(caught.value))

    text = lines.getvalue()
    events = [json.loads(line)["event"] for line in text.splitlines()]
    assert {"salesforce.logged_in", "salesforce.session_expired", "salesforce.retry"} <= set(events)
    assert len(tokens.issued) == 2
    for secret in (sandbox.client_secret, given, *tokens.issued):
        assert secret not in text
