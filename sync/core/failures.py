"""Failures as data: every CRM error code maps to an action and a blame, in one table.

The pipeline never decides ad hoc what an error means. It looks the code up here: retry the
call (transient), re-authenticate once, defer the run to the next schedule (quota), reject
the one record and keep it for an admin, or skip what depends on a mapped field that the org
no longer has (schema drift). Unknown codes are treated as a rejected record, never as a
crash, so one odd record cannot stop the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"  # same call again with back-off; for row locks, only the failed records
    REAUTHENTICATE = "reauthenticate"  # new session once, then the call again
    DEFER_RUN = "defer_run"  # stop cleanly; the next scheduled run resumes from the cursors
    REJECT_RECORD = "reject_record"  # keep the record with its error; retried next run
    SKIP_DEPENDENTS = "skip_dependents"  # a mapped field/object is gone: skip what needs it


class Blame(StrEnum):
    TRANSIENT = "transient"  # the CRM or the network; nobody needs to act
    QUOTA = "quota"  # API allowance; an admin may raise the share or the tier
    CONFIG = "config"  # the mapping or the org's schema; an admin must act
    DATA = "data"  # the record's values; a person must fix the record
    BUG = "bug"  # should not happen; report it


@dataclass(frozen=True, slots=True)
class Resolution:
    action: Action
    blame: Blame
    hint: str


_T = Resolution(Action.RETRY, Blame.TRANSIENT, "The CRM was busy; retried with back-off.")

FAILURES: dict[str, Resolution] = {
    # Salesforce (REST API errorCode / statusCode values)
    "UNABLE_TO_LOCK_ROW": Resolution(
        Action.RETRY, Blame.TRANSIENT, "Another process held the record; only it is retried."
    ),
    "SERVER_UNAVAILABLE": _T,
    "REQUEST_RUNNING_TOO_LONG": _T,
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
    "UNKNOWN_EXCEPTION": _T,
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
    # HubSpot (HTTP statuses and error categories)
    "HTTP_429": Resolution(
        Action.RETRY, Blame.TRANSIENT, "Rate limited; waited for the window to reopen."
    ),
    "HTTP_500": _T,
    "HTTP_502": _T,
    "HTTP_503": _T,
    "HTTP_504": _T,
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
    "CONNECTION_LOST": _T,
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
}

UNKNOWN = Resolution(
    Action.REJECT_RECORD, Blame.BUG, "Unrecognised CRM error; the record is kept for an admin."
)


def resolve(code: str) -> Resolution:
    """What to do about a CRM error code (unknown codes reject the record, never crash)."""
    return FAILURES.get(code, UNKNOWN)
