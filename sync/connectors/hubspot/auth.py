"""The access token: read from the settings, registered with the log scrubber, checked once.

A private-app token (or an OAuth access token handed in from the environment) is a bearer
token the service cannot renew: private-app tokens do not expire but can be rotated or
revoked in the portal, and renewing an OAuth token needs its refresh token and client secret,
which the service does not hold. So a 401 is never retried or "re-authenticated": it ends the
run with an AuthenticationError that names HUBSPOT_ACCESS_TOKEN (never the token).
"Unauthorized (401) requests are not a valid indicator that a new access token must be
retrieved" (API usage guidelines, https://developers.hubspot.com/docs/api/usage-details).

The token is checked at connect time with the cheapest call the service needs anyway, one
owner (GET /crm/v3/owners?limit=1), which also reports where the day's allowance stands.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import TOKEN_VARIABLE, CallContext
from sync.core.logs import register_secret
from sync.core.ports import AuthenticationError
from sync.settings import Settings


def access_token(settings: Settings) -> str:
    """The configured token, registered as a secret before anything can log it."""
    secret = settings.hubspot_access_token
    token = secret.get_secret_value() if secret is not None else ""
    if not token:
        raise AuthenticationError("MISSING_CREDENTIALS", f"set {TOKEN_VARIABLE}")
    register_secret(token)
    return token


def verify(door: Door) -> None:
    """One cheap call; a refused token raises AuthenticationError (see `errors`)."""
    door.call(partial(_one_owner), CallContext("owners"))


def _one_owner(apis: Apis) -> Any:
    return apis.owners.get_page(limit=1, **RAW)
