"""From what Salesforce or the network said to the port's few call-level errors.

This module reads the code and status out of a simple-salesforce exception (or names a lost
connection CONNECTION_LOST); `sync.core.failures.decide` over the table in `failures.py`
says what to do, and the action alone picks the port's error: RETRY is transient (the door
retries it; after the last try CrmUnavailableError), DEFER_RUN is DeferRunError,
SKIP_DEPENDENTS is SchemaDriftError naming the object and, parsed from the message, the
field as the mapping spelled it (`Account.Segment__c` when the server complains about
`Segment__c` on Account), REAUTHENTICATE is AuthenticationError, and anything else rejects
the records of the call (CrmError).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import requests
from simple_salesforce.exceptions import SalesforceError

from sync.connectors.salesforce.failures import FAILURES
from sync.core.failures import CONNECTION_LOST, Action, Resolution, decide
from sync.core.logs import scrub
from sync.core.ports import (
    AuthenticationError,
    CrmError,
    CrmUnavailableError,
    DeferRunError,
    SchemaDriftError,
)

_NETWORK = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_NAMED = (
    re.compile(r"No such column '([^']+)'"),
    re.compile(r"Didn't understand relationship '([^']+)'"),
)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call was about, to name the object and field in an error."""

    object_name: str
    fields: Sequence[str] = ()


def error_code(exc: BaseException) -> str:
    """The Salesforce errorCode of a failed call, else HTTP_<status> / CONNECTION_LOST."""
    if isinstance(exc, SalesforceError):
        content = exc.content
        if isinstance(content, list) and content and isinstance(content[0], dict):
            return str(content[0].get("errorCode") or f"HTTP_{exc.status}")
        return f"HTTP_{exc.status}"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP_{exc.response.status_code}"
    return CONNECTION_LOST


def error_message(exc: BaseException) -> str:
    """The server's message (the last line of a query error: the caret block is noise)."""
    text = str(exc)
    if isinstance(exc, SalesforceError):
        content = exc.content
        if isinstance(content, list) and content and isinstance(content[0], dict):
            lines = str(content[0].get("message", "")).strip().splitlines()
            text = lines[-1] if lines else ""
    return scrub(text)


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, SalesforceError):
        return exc.status
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code
    return None


def decision(exc: BaseException) -> Resolution:
    """What to do about a failed call: the one place the table is read."""
    return decide(FAILURES, error_code(exc), status_of(exc))


def is_transient(exc: BaseException) -> bool:
    """Worth the same call again after a pause."""
    if not isinstance(exc, (SalesforceError, requests.HTTPError, *_NETWORK)):
        return False
    return decision(exc).action is Action.RETRY


def to_crm_error(exc: BaseException, context: CallContext) -> CrmError:
    """The port's error for a call that failed for good (after any retries)."""
    code, message = error_code(exc), error_message(exc)
    action = decision(exc).action
    if action is Action.RETRY:
        return CrmUnavailableError(code, f"gave up after retries: {message}")
    if action is Action.DEFER_RUN:
        return DeferRunError(code, message)
    if action is Action.SKIP_DEPENDENTS:
        field = None if code == "INVALID_TYPE" else drifted_field(message, context.fields)
        return SchemaDriftError(code, message, object_name=context.object_name, field_name=field)
    if action is Action.REAUTHENTICATE:
        return AuthenticationError(code, message)
    return CrmError(code, message)


def drifted_field(message: str, requested: Sequence[str]) -> str | None:
    """The field a message names, as the caller spelled it when the caller asked for it."""
    for pattern in _NAMED:
        found = pattern.search(message)
        if found:
            return _as_requested(found.group(1), requested)
    return None


def _as_requested(name: str, requested: Sequence[str]) -> str:
    lowered = name.lower()
    for path in requested:
        if path.lower() == lowered:
            return path
    for path in requested:
        parts = path.lower().split(".")
        if parts[-1] == lowered or lowered in parts[:-1]:
            return path
    return name
