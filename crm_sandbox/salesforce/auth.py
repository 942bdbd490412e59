"""Access tokens and the OAuth 2.0 token endpoint (client credentials and JWT bearer).

Client credentials: client_id/client_secret in the form or HTTP Basic; the token runs as the
org's integration user. JWT bearer: `assertion` is an RS256 JWT with iss = the connected
app's client id, sub = a User's Username, aud = https://login.salesforce.com (or
test.salesforce.com, or the sandbox's own URL), exp in the future; the signature is checked
against the configured certificate/public key when one is set. Answers and errors follow
the real endpoint: 200 `{access_token, instance_url, id, token_type, issued_at, signature}`
(no refresh token for these grants), 400 `{error, error_description}` with invalid_client /
invalid_client_id / invalid_grant / unsupported_grant_type.

A token stays valid until `expire_all()` (the tests' "session timed out") or the
expired_session fault revokes it; after that only a new token works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from crm_sandbox.salesforce.errors import ApiError, OAuthError

AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"  # noqa: S105 - an alphabet


def load_public_key(pem: str | bytes) -> Any:
    """Accept either a PEM certificate (what a connected app stores) or a PEM public key."""
    data = pem.encode() if isinstance(pem, str) else pem
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


class Sessions:
    """Issued tokens -> user id; revoked tokens answer INVALID_SESSION_ID."""

    def __init__(self, org_id: str, seed: int) -> None:
        self.org_id = org_id
        self._rng = random.Random(seed)
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self.run_as = ""  # the integration user; set by the sandbox once it exists

    def issue(self, user_id: str) -> str:
        with self._lock:
            secret = "".join(self._rng.choice(_TOKEN_CHARS) for _ in range(96))
            token = f"{self.org_id[:15]}!{secret}"
            self._tokens[token] = user_id
        return token

    def user_for(self, authorization: str | None) -> str:
        """The user behind an `Authorization: Bearer|OAuth <token>` header, or 401."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            user = self._tokens.get(token.strip()) if scheme in {"Bearer", "OAuth"} else None
        if user is None:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return user

    def revoke(self, authorization: str | None) -> None:
        _, _, token = (authorization or "").partition(" ")
        with self._lock:
            self._tokens.pop(token.strip(), None)

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()


class TokenEndpoint:
    """POST /services/oauth2/token."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        client_id: str,
        client_secret: str,
        run_as: Callable[[], str],
        user_by_name: Callable[[str], str | None],
        public_key: Any,
        now: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.client_id = client_id
        self.client_secret = client_secret
        self.run_as = run_as
        self.user_by_name = user_by_name
        self.public_key = public_key
        self.now = now

    def grant(
        self, form: dict[str, str], authorization: str | None, base_url: str
    ) -> dict[str, Any]:
        kind = form.get("grant_type", "")
        if kind == "client_credentials":
            user = self._client_credentials(form, authorization)
        elif kind == JWT_GRANT:
            user = self._jwt(form.get("assertion", ""), base_url)
        else:
            raise OAuthError(400, "unsupported_grant_type", "grant type not supported")
        return self._answer(user, base_url)

    def _client_credentials(self, form: dict[str, str], authorization: str | None) -> str:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme == "Basic" and encoded:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        if client_id != self.client_id:
            raise OAuthError(400, "invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(secret, self.client_secret):
            raise OAuthError(400, "invalid_client", "invalid client credentials")
        return self.run_as()

    def _jwt(self, assertion: str, base_url: str) -> str:
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OAuthError(400, "invalid_grant", "invalid assertion") from None
        if header.get("alg") != "RS256":
            raise OAuthError(400, "invalid_grant", "invalid assertion")
        if claims.get("iss") != self.client_id:
            raise OAuthError(400, "invalid_client_id", "client identifier invalid")
        if claims.get("aud") not in (*AUDIENCES, base_url):
            raise OAuthError(400, "invalid_grant", "audience is invalid")
        if float(claims.get("exp", 0)) < self.now().timestamp():
            raise OAuthError(400, "invalid_grant", "expired authorization code")
        if self.public_key is not None:
            try:
                jwt.decode(
                    assertion,
                    self.public_key,
                    algorithms=["RS256"],
                    options={"verify_aud": False, "verify_exp": False},
                )
            except jwt.PyJWTError:
                raise OAuthError(400, "invalid_grant", "invalid assertion") from None
        user = self.user_by_name(str(claims.get("sub", "")))
        if user is None:
            raise OAuthError(400, "invalid_grant", "user hasn't approved this consumer")
        return user

    def _answer(self, user: str, base_url: str) -> dict[str, Any]:
        token = self.sessions.issue(user)
        issued_at = str(int(self.now().timestamp() * 1000))
        identity = f"{base_url}/id/{self.sessions.org_id}/{user}"
        digest = hmac.new(
            self.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        )
        return {
            "access_token": token,
            "scope": "api",
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest.digest()).decode(),
        }
