"""HubSpot's errors as data: error code -> action, blame and hint (`sync.core.failures.decide`).

Codes are what `errors.error_code` reads from an error body: DAILY_LIMIT / RATE_LIMITS for a
429 (by its `policyName`), the first detailed `errors[].code`, the `category`, or
HTTP_<status> (error handling:
https://developers.hubspot.com/docs/api-reference/error-handling; usage guidelines:
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines). Status 0
is the client's wrapper for an SSL failure.
"""

from __future__ import annotations

from sync.core.failures import TRANSIENT, Action, Blame, FailureTable, Resolution

FAILURES: FailureTable = {
    "HTTP_429": Resolution(
        Action.RETRY, Blame.TRANSIENT, "Rate limited; waited for the window to reopen."
    ),
    "HTTP_500": TRANSIENT,
    "HTTP_502": TRANSIENT,
    "HTTP_503": TRANSIENT,
    "HTTP_504": TRANSIENT,
    "HTTP_401": Resolution(Action.REAUTHENTICATE, Blame.CONFIG, "Token refused; check the token."),
    "RATE_LIMITS": Resolution(Action.RETRY, Blame.TRANSIENT, "Rate limited; waited."),
    "DAILY_LIMIT": Resolution(
        Action.DEFER_RUN, Blame.QUOTA, "Daily API allowance used up; the run resumes later."
    ),
    "OBJECT_ALREADY_EXISTS": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "Another record holds the same unique value."
    ),
    "VALIDATION_ERROR": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "HubSpot refused a property value."
    ),
    "PROPERTY_DOESNT_EXIST": Resolution(
        Action.SKIP_DEPENDENTS, Blame.CONFIG, "A mapped property is missing in the portal."
    ),
    "CONNECTION_LOST": TRANSIENT,
    "HTTP_423": Resolution(
        Action.RETRY, Blame.TRANSIENT, "A concurrent write held the record; retried."
    ),
    "RECORD_LOCKED": Resolution(
        Action.RETRY, Blame.TRANSIENT, "A concurrent write held the record; only it is retried."
    ),
    "EXPIRED_AUTHENTICATION": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "The token expired; set a fresh HUBSPOT_ACCESS_TOKEN."
    ),
    "INVALID_AUTHENTICATION": Resolution(
        Action.REAUTHENTICATE, Blame.CONFIG, "Token refused; check HUBSPOT_ACCESS_TOKEN."
    ),
    "OBJECT_NOT_FOUND": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "The record was deleted (archived) in HubSpot."
    ),
    "CONFLICT": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "Another record holds the same unique value; merge them."
    ),
    "INVALID_OPTION": Resolution(
        Action.REJECT_RECORD, Blame.CONFIG, "Add the option to the property or fix the value map."
    ),
    "INVALID_DATE": Resolution(
        Action.REJECT_RECORD, Blame.BUG, "A date property was sent a value not at midnight UTC."
    ),
    "INVALID_DATETIME": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "A datetime property was sent an invalid value."
    ),
    "INVALID_DECIMAL": Resolution(
        Action.REJECT_RECORD, Blame.DATA, "A number property was sent a value that is no number."
    ),
    "NO_RESULT": Resolution(
        Action.REJECT_RECORD, Blame.BUG, "HubSpot answered the batch without this record."
    ),
    "HTTP_0": TRANSIENT,
}
