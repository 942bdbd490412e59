"""Getting an access token: JWT bearer (preferred), client credentials, or a given token.

simple-salesforce has its own JWT and client-credentials logins, but it builds the token URL
as `https://{domain}.salesforce.com/...`, so it cannot reach a login URL such as a My Domain
host on another suffix or the loopback sandbox. The token endpoint is therefore POSTed here,
through the same `requests.Session` every other call uses (one door to the network).

- JWT bearer: an RS256 assertion with iss = client id, sub = username, aud = the login
  server, exp a few minutes ahead (OAuth 2.0 JWT Bearer Flow for Server-to-Server
  Integration, https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm).
  The audience must be https://login.salesforce.com (or https://test.salesforce.com for
  sandboxes) even when the request goes to a My Domain URL; any other login URL (an
  Experience Cloud site, the emulator) is its own audience. No secret leaves the host.
- Client credentials: grant_type=client_credentials with the connected app's id and secret;
  the token runs as the app's configured integration user.
- A given token (SF_INSTANCE_URL + SF_ACCESS_TOKEN): nothing to renew it with, so an expired
  session ends the run with an AuthenticationError naming SF_ACCESS_TOKEN.

Neither grant returns a refresh token; renewing means logging in again. Every secret and
token is registered with the log scrubber the moment it is read or issued.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

import jwt
import requests

from sync.core.logs import register_secret, scrub
from sync.core.ports import AuthenticationError
from sync.settings import Settings

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180  # Salesforce accepts an exp at most 3 minutes ahead
V = TypeVar("V")
_PRODUCTION = "https://login.salesforce.com"
_SANDBOX = "https://test.salesforce.com"


@dataclass(frozen=True, slots=True)
class Token:
    """Where the org lives and the bearer token for it (never printed)."""

    instance_url: str
    access_token: str = field(repr=False)


class Authenticator(Protocol):
    """One way to get a token; `renewable` says whether logging in again can help."""

    @property
    def kind(self) -> str: ...

    @property
    def renewable(self) -> bool: ...

    def login(self, session: requests.Session) -> Token: ...


@dataclass(frozen=True, slots=True)
class JwtBearer:
    client_id: str
    username: str
    private_key_file: Path
    login_url: str
    kind: str = "jwt"
    renewable: bool = True

    def login(self, session: requests.Session) -> Token:
        key = self.private_key_file.read_text()
        register_secret(key)
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": jwt_audience(self.login_url),
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        assertion = jwt.encode(claims, key, algorithm="RS256")
        register_secret(assertion)
        form = {"grant_type": JWT_GRANT, "assertion": assertion}
        return _post_token(session, self.login_url, form, "SF_CLIENT_ID, SF_USERNAME and the key")


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    login_url: str
    kind: str = "client_credentials"
    renewable: bool = True

    def login(self, session: requests.Session) -> Token:
        register_secret(self.client_secret)
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return _post_token(session, self.login_url, form, "SF_CLIENT_ID and SF_CLIENT_SECRET")


@dataclass(frozen=True, slots=True)
class GivenToken:
    instance_url: str
    access_token: str = field(repr=False)
    kind: str = "token"
    renewable: bool = False

    def login(self, session: requests.Session) -> Token:
        register_secret(self.access_token)
        return Token(self.instance_url.rstrip("/"), self.access_token)


def authenticator_for(settings: Settings) -> Authenticator:
    """The configured way in; Settings already checked that its parts are present."""
    login_url = settings.sf_login_url.rstrip("/")
    kind = settings.salesforce_auth
    if kind == "jwt":
        return JwtBearer(
            _required(settings.sf_client_id, "SF_CLIENT_ID"),
            _required(settings.sf_username, "SF_USERNAME"),
            _required(settings.sf_private_key_file, "SF_PRIVATE_KEY_FILE"),
            login_url,
        )
    if kind == "client_credentials":
        secret = _required(settings.sf_client_secret, "SF_CLIENT_SECRET")
        client_id = _required(settings.sf_client_id, "SF_CLIENT_ID")
        return ClientCredentials(client_id, secret.get_secret_value(), login_url)
    token = _required(settings.sf_access_token, "SF_ACCESS_TOKEN")
    instance_url = _required(settings.sf_instance_url, "SF_INSTANCE_URL")
    return GivenToken(instance_url, token.get_secret_value())


def _required(value: V | None, variable: str) -> V:
    if value is None or value == "":
        raise AuthenticationError("MISSING_CREDENTIALS", f"set {variable}")
    return value


def jwt_audience(login_url: str) -> str:
    """login.salesforce.com for production hosts, test.salesforce.com for sandboxes."""
    host = urlparse(login_url).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return _SANDBOX
    if host == "salesforce.com" or host.endswith(".salesforce.com"):
        return _PRODUCTION
    return login_url


def _post_token(
    session: requests.Session, login_url: str, form: dict[str, str], check: str
) -> Token:
    """POST the token endpoint; a refusal is an AuthenticationError without any secret."""
    response = session.post(login_url + TOKEN_PATH, data=form, timeout=60)
    if response.status_code >= 500 or response.status_code == 429:
        response.raise_for_status()  # busy, not a refusal: the door retries it
    body = _json(response)
    if response.status_code != 200 or "access_token" not in body:
        error = str(body.get("error") or f"HTTP {response.status_code}")
        detail = str(body.get("error_description") or "")
        message = f"Salesforce refused the login at {login_url} ({error}: {detail}); check {check}"
        raise AuthenticationError(error, scrub(message))
    token = str(body["access_token"])
    register_secret(token)
    return Token(str(body.get("instance_url") or login_url).rstrip("/"), token)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
