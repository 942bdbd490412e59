"""Salesforce's errors as data: error code -> action, blame and hint (`sync.core.failures.decide`).

Codes are the REST API's `errorCode` / `statusCode` values and the OAuth token endpoint's
`error` values (REST API status codes and error responses:
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
REQUEST_LIMIT_EXCEEDED means two things: with 403 the daily allowance is spent
("TotalRequests Limit exceeded": defer the run), with 429 a *concurrent* request limit was hit
("ConcurrentPerOrgLongTxn Limit exceeded": it passes, retry).
"""

from __future__ import annotations

from sync.core.failures import CONNECTION_LOST, TRANSIENT, Action, Blame, FailureTable, Resolution

FAILURES: FailureTable = {
    "UNABLE_TO_LOCK_ROW": Resolution(
        Action.RETRY, Blame.TRANSIENT, "Another process held the record; only it is retried."
    ),
    "SERVER_UNAVAILABLE": TRANSIENT,
    "REQUEST_RUNNING_TOO_LONG": TRANSIENT,
    "INVALID_SESSION_ID": Resolution(
        Action.REAUTHENTICATE, Blame.TRANSIENT, "Session expired; re-authenticated once."
    ),
    "REQUEST_LIMIT_EXCEEDED": Resolution(
        Action.DEFER_RUN, Blame.QUOTA, "Daily API allowance used up; the run resumes later."
    ),
    "API_BUDGET_REACHED": Resolution(
        Action.DEFER_RUN,
        Blame.QUOTA,
        "The configured share of the daily allowance is used; raise api_budget_share to go on.",
    ),
    "INVALID_FIELD": Resolution(
        Action.SKIP_DEPENDENTS,
        Blame.CONFIG,
        "A mapped field is gone from the org; fix the mapping.",
    ),
    "INVALID_TYPE": Resolution(
        Action.SKIP_DEPENDENTS, Blame.CONFIG, "A mapped object is missing in the org."
    ),
    "INVALID_FIELD_FOR_INSERT_UPDATE": Resolution(
        Action.SKIP_DEPENDENTS, Blame.CONFIG, "A written field is not updateable for this user."
    ),
    "MALFORMED_QUERY": Resolution(
        Action.SKIP_DEPENDENTS, Blame.CONFIG, "A mapping filter is not valid SOQL; fix the filter."
    ),
    "REQUIRED_FIELD_MISSING": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "Map or default the required field, then retry."
    ),
    "DUPLICATE_VALUE": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "Another record holds the same key; merge or clear it."
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": Resolution(
        Action.REJECT_RECORD, Blame.CONFIG, "Add the value to the picklist or fix the value map."
    ),
    "STRING_TOO_LONG": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "The value is longer than the field allows."
    ),
    "INVALID_CROSS_REFERENCE_KEY": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "A lookup points at a record that does not exist."
    ),
    "ENTITY_IS_DELETED": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "The record was deleted in the CRM."
    ),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "An org validation rule refused the record."
    ),
    "FIELD_INTEGRITY_EXCEPTION": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "A value breaks a field rule in the org."
    ),
    "DUPLICATE_EXTERNAL_ID": Resolution(
        Action.REJECT_RECORD,
        Blame.DATA,
        "The key matches several records (or appears twice in one call); merge them.",
    ),
    "MISSING_ARGUMENT": Resolution(
        Action.REJECT_RECORD, Blame.BUG, "The record had no Id / key to write it by."
    ),
    "MALFORMED_ID": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "A lookup holds something that is not a record id."
    ),
    "UNKNOWN_EXCEPTION": TRANSIENT,
    "KEYSET_STALLED": Resolution(
        Action.DEFER_RUN,
        Blame.BUG,
        "A page did not move the (SystemModstamp, Id) position forward; stopped, not looped.",
    ),
    # OAuth token endpoint (`error` values) and missing settings: the login was refused
    "invalid_client": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "Client id or secret refused; check the app."
    ),
    "invalid_client_id": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "Unknown client id; check SF_CLIENT_ID."
    ),
    "invalid_grant": Resolution(
        Action.REAUTHENTICATE,
        Blame.CONFIG,
        "Login refused: user not pre-authorized, wrong key or audience, or an expired assertion.",
    ),
    "MISSING_CREDENTIALS": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "A credential setting is missing."
    ),
    "REQUEST_LIMIT_EXCEEDED@429": Resolution(
        Action.RETRY, Blame.TRANSIENT, "A concurrent-request limit was hit; retried after a pause."
    ),
    CONNECTION_LOST: TRANSIENT,
    "HTTP_429": TRANSIENT,
    "HTTP_500": TRANSIENT,
    "HTTP_502": TRANSIENT,
    "HTTP_503": TRANSIENT,
    "HTTP_504": TRANSIENT,
    "HTTP_401": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "The session or login was refused; check the app."
    ),
}
