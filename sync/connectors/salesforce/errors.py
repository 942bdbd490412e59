"""From what Salesforce or the network said to the port's few call-level errors.

The decision itself lives in `sync.core.failures` (code -> action); this module only reads the
code out of a simple-salesforce exception and builds the right `CrmError`:

- transient (retried by the door): HTTP 429/500/502/503/504, connection errors (including a
  connection dropped after the server committed a write), and codes the table marks RETRY.
  A 429 is retried whatever its code: Salesforce uses REQUEST_LIMIT_EXCEEDED with 429 for
  *concurrent* request limits ("ConcurrentPerOrgLongTxn Limit exceeded"), which pass;
- REQUEST_LIMIT_EXCEEDED with 403 is the daily allowance ("TotalRequests Limit exceeded"):
  DeferRunError (REST API status codes and error responses,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm);
- SKIP_DEPENDENTS codes (INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY,
  INVALID_FIELD_FOR_INSERT_UPDATE): SchemaDriftError naming the object and, parsed from the
  message, the field, translated back to the name the mapping used (`Account.Segment__c`
  when the server complains about `Segment__c` on Account).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import requests
from simple_salesforce.exceptions import SalesforceError

from sync.core.failures import Action, resolve
from sync.core.logs import scrub
from sync.core.ports import CrmError, CrmUnavailableError, DeferRunError, SchemaDriftError

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
DAILY_LIMIT_STATUS = 403
CONNECTION_LOST = "CONNECTION_LOST"
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


def is_transient(exc: BaseException) -> bool:
    """Worth the same call again after a pause."""
    if isinstance(exc, requests.HTTPError | SalesforceError):
        if status_of(exc) in TRANSIENT_STATUSES:
            return True
        code = error_code(exc)
        return code != "REQUEST_LIMIT_EXCEEDED" and resolve(code).action is Action.RETRY
    return isinstance(exc, _NETWORK)


def to_crm_error(exc: BaseException, context: CallContext) -> CrmError:
    """The port's error for a call that failed for good (after any retries)."""
    code, message = error_code(exc), error_message(exc)
    if is_transient(exc):
        return CrmUnavailableError(code, f"gave up after retries: {message}")
    if code == "REQUEST_LIMIT_EXCEEDED" or resolve(code).action is Action.DEFER_RUN:
        return DeferRunError(code, message)
    if resolve(code).action is Action.SKIP_DEPENDENTS:
        field = None if code == "INVALID_TYPE" else drifted_field(message, context.fields)
        return SchemaDriftError(code, message, object_name=context.object_name, field_name=field)
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
