"""From what HubSpot or the network said to the port's few call-level errors.

This module reads the code out of a hubspot-api-client `ApiException` (each API package of
the client has its own class, so they are collected here); `sync.core.failures.decide` over
the table in `failures.py` says what to do, and the action alone picks the port's error.
Error bodies follow https://developers.hubspot.com/docs/api-reference/error-handling:
`status`, `message`, `category`, optional `errors[]` (each with `code` and
`context.propertyName`), optional `context`; every field is optional, so every read here
tolerates its absence.

- RETRY (the door retries): 423 Locked, 429 of the ten-second or per-second policy,
  500/502/503/504, status 0 and connection errors, including a connection dropped after a
  write was committed (every write is idempotent);
- DEFER_RUN: 429 with `policyName: DAILY`, the daily allowance is spent (API usage
  guidelines, https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines);
- REAUTHENTICATE: 401. A private-app token cannot be renewed by the service (nor can a bare
  OAuth access token without its refresh token), so the run fails with AuthenticationError;
- SKIP_DEPENDENTS: a 400 naming a property that does not exist (`PROPERTY_DOESNT_EXIST`),
  SchemaDriftError naming the property as the mapping spelled it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiError
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiError
from hubspot.crm.owners.exceptions import ApiException as OwnersApiError
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiError

from sync.connectors.hubspot.failures import FAILURES
from sync.core.failures import CONNECTION_LOST, Action, Resolution, decide
from sync.core.logs import scrub
from sync.core.ports import (
    AuthenticationError,
    CrmError,
    CrmUnavailableError,
    DeferRunError,
    SchemaDriftError,
)

API_ERRORS: tuple[type[Exception], ...] = (
    ObjectsApiError,
    OwnersApiError,
    PropertiesApiError,
    AssociationsApiError,
)
NETWORK_ERRORS: tuple[type[Exception], ...] = (urllib3.exceptions.HTTPError, ConnectionError)
DAILY_LIMIT = "DAILY_LIMIT"
RATE_LIMITS = "RATE_LIMITS"
MISSING_PROPERTY = "PROPERTY_DOESNT_EXIST"
TOKEN_VARIABLE = "HUBSPOT_ACCESS_TOKEN"  # noqa: S105 - the name of the setting, not a token


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call was about, to name the object and the property in an error."""

    object_name: str
    fields: tuple[str, ...] = ()


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None) if isinstance(exc, API_ERRORS) else None
    return int(status) if status is not None else None


def body_of(exc: BaseException) -> dict[str, Any]:
    """The JSON error body of an ApiException ({} when there is none or it is not JSON)."""
    raw = getattr(exc, "body", None) if isinstance(exc, API_ERRORS) else None
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def header(exc: BaseException, name: str) -> str | None:
    headers = getattr(exc, "headers", None) if isinstance(exc, API_ERRORS) else None
    if not headers:
        return None
    value = headers.get(name)
    return None if value is None else str(value)


def error_code(exc: BaseException) -> str:
    """DAILY_LIMIT / RATE_LIMITS, the first detailed `code` (INVALID_OPTION...), the category
    (VALIDATION_ERROR, CONFLICT, EXPIRED_AUTHENTICATION...), or HTTP_<status>."""
    status = status_of(exc)
    if status is None:
        return CONNECTION_LOST
    body = body_of(exc)
    if status == 429:
        return DAILY_LIMIT if body.get("policyName") == "DAILY" else RATE_LIMITS
    if status == 400 and missing_properties(body):
        return MISSING_PROPERTY
    if status >= 500 or status == 0:
        return f"HTTP_{status}"
    detail = next((d for d in body.get("errors") or [] if isinstance(d, dict)), {})
    return str(detail.get("code") or body.get("category") or f"HTTP_{status}")


def error_message(exc: BaseException) -> str:
    body = body_of(exc)
    text = str(body.get("message") or getattr(exc, "reason", None) or type(exc).__name__)
    return scrub(text)


def missing_properties(body: dict[str, Any]) -> list[str]:
    """Properties a 400 says do not exist (`errors[].context.propertyName`)."""
    names: list[str] = []
    for detail in body.get("errors") or []:
        if isinstance(detail, dict) and detail.get("code") == MISSING_PROPERTY:
            names += [str(n) for n in (detail.get("context") or {}).get("propertyName") or []]
    return names


def decision(exc: BaseException) -> Resolution:
    """What to do about a failed call: the one place the table is read."""
    return decide(FAILURES, error_code(exc), status_of(exc))


def is_transient(exc: BaseException) -> bool:
    """Worth the same call again after a pause."""
    if not isinstance(exc, NETWORK_ERRORS + API_ERRORS):
        return False
    return decision(exc).action is Action.RETRY


def to_crm_error(exc: BaseException, context: CallContext) -> CrmError:
    """The port's error for a call that failed for good (after any retries)."""
    code, message = error_code(exc), error_message(exc)
    action = decision(exc).action
    if action is Action.RETRY:
        return CrmUnavailableError(code, f"gave up after retries: {message}")
    if action is Action.DEFER_RUN:
        return DeferRunError(code, f"the portal's API allowance is spent: {message}")
    if action is Action.REAUTHENTICATE:
        return AuthenticationError(
            code,
            f"HubSpot refused the token ({message}); a private-app token cannot be renewed by "
            f"the service: set a valid {TOKEN_VARIABLE}",
        )
    if action is Action.SKIP_DEPENDENTS:
        missing = missing_properties(body_of(exc))
        name = as_requested(missing[0], context.fields) if missing else None
        return SchemaDriftError(code, message, object_name=context.object_name, field_name=name)
    return CrmError(code, message)


def as_requested(name: str, requested: tuple[str, ...]) -> str:
    """The property as the caller spelled it (HubSpot names are lower case)."""
    lowered = name.lower()
    return next((r for r in requested if r.lower() == lowered), name)
