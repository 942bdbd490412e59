"""Bearer-token authentication as a private app (or an OAuth access token) sees it.

A missing or unknown token is `401 INVALID_AUTHENTICATION` ("Authentication credentials not
found..."); a token a test expired is `401 EXPIRED_AUTHENTICATION` ("The OAuth token used to make
this call expired ... ago."), the two bodies HubSpot sends
(https://developers.hubspot.com/docs/api-reference/error-handling lists 401 for invalid
authentication). Tests call `expire()` and then `issue()` a new token to model a rotation.
"""

from __future__ import annotations

import threading

from crm_sandbox.hubspot.errors import HubSpotError

CREDENTIALS_NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


class TokenBook:
    def __init__(self, token: str) -> None:
        self._lock = threading.Lock()
        self._valid = {token}
        self._expired: set[str] = set()
        self.current = token

    def issue(self, token: str) -> None:
        with self._lock:
            self._valid.add(token)
            self.current = token

    def expire(self, token: str | None = None) -> None:
        with self._lock:
            target = token or self.current
            self._valid.discard(target)
            self._expired.add(target)

    def check(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            if scheme.lower() == "bearer" and token in self._valid:
                return
            expired = scheme.lower() == "bearer" and token in self._expired
        if expired:
            raise expired_token()
        raise HubSpotError(401, "INVALID_AUTHENTICATION", CREDENTIALS_NOT_FOUND)


def expired_token() -> HubSpotError:
    message = "The OAuth token used to make this call expired 0 day(s) ago."
    return HubSpotError(401, "EXPIRED_AUTHENTICATION", message)
