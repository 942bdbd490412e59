"""Server answers to the port's errors, and every code the adapter raises is in the table."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from sync.connectors.salesforce.errors import (
    CallContext,
    drifted_field,
    error_code,
    is_transient,
    to_crm_error,
)
from sync.connectors.salesforce.failures import FAILURES
from sync.core.ports import CrmUnavailableError, DeferRunError


def refused(status: int, code: str, message: str) -> SalesforceError:
    """What simple-salesforce raises: `content` is the parsed JSON error array."""
    cls = SalesforceRefusedRequest if status == 403 else SalesforceGeneralError
    body: Any = [{"errorCode": code, "message": message}]
    return cls("https://x/services/data", status, "query", body)


def test_a_429_is_a_concurrency_limit_and_passes() -> None:
    busy = refused(429, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
    assert is_transient(busy)
    assert isinstance(to_crm_error(busy, CallContext("Account")), CrmUnavailableError)


def test_a_403_request_limit_is_the_daily_allowance_and_defers() -> None:
    spent = refused(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    assert not is_transient(spent)
    assert isinstance(to_crm_error(spent, CallContext("Account")), DeferRunError)


def test_a_dropped_connection_is_transient() -> None:
    lost = requests.ConnectionError("Connection aborted.")
    assert is_transient(lost)
    assert error_code(lost) == "CONNECTION_LOST"


@pytest.mark.parametrize(
    ("message", "requested", "expected"),
    [
        ("No such column 'segment__c' on entity 'Account'.", ["Name", "Segment__c"], "Segment__c"),
        ("No such column 'X__c' on entity 'Account'.", ["Account.X__c"], "Account.X__c"),
        ("Didn't understand relationship 'O__r' in field path.", ["O__r.Email"], "O__r.Email"),
        ("No such column 'Other__c' on sobject of type Account", ["Name"], "Other__c"),
        ("unexpected token: '='", ["Name"], None),
    ],
)  # fmt: skip
def test_the_drifted_field_is_named_as_the_mapping_spelled_it(
    message: str, requested: list[str], expected: str | None
) -> None:
    assert drifted_field(message, requested) == expected


@pytest.mark.parametrize(
    "code",
    [
        "KEYSET_STALLED", "CONNECTION_LOST", "API_BUDGET_REACHED", "REQUEST_LIMIT_EXCEEDED",
        "INVALID_SESSION_ID", "invalid_client", "invalid_grant", "invalid_client_id",
        "MISSING_CREDENTIALS", "UNABLE_TO_LOCK_ROW", "DUPLICATE_EXTERNAL_ID", "UNKNOWN_EXCEPTION",
    ],
)  # fmt: skip
def test_every_code_the_adapter_raises_is_in_the_failure_table(code: str) -> None:
    assert code in FAILURES
