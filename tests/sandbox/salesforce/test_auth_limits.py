"""OAuth token endpoint, expired sessions and the daily API allowance.

References:
- OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration (help.salesforce.com,
  remoteaccess_oauth_jwt_flow.htm): iss = client id, sub = username, aud = login URL, RS256;
  errors follow RFC 7523 (OAuth 2.0 Authorization Errors, remoteaccess_oauth_flow_errors.htm);
- OAuth 2.0 Client Credentials Flow (remoteaccess_oauth_client_credentials_flow.htm);
- INVALID_SESSION_ID "Session expired or invalid"
  (sfdecoded.github.io/errors/invalid-session-id.html);
- Limit Info Header: `Sforce-Limit-Info: api-usage=USED/MAX` on every REST response except
  the versions list
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm);
- REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded."
  (sfdecoded.github.io/errors/request-limit-exceeded.html).
"""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from tests.sandbox.salesforce.conftest import Client, content

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@pytest.fixture
def sandbox(clock: SandboxClock) -> SalesforceSandbox:
    return SalesforceSandbox(clock=clock, seed=7, jwt_public_key=PUBLIC_PEM)


class _LoginToSandbox(HTTPAdapter):
    """simple-salesforce always logs in at https://login.salesforce.com; send that here."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        request.url = request.url.replace("https://login.salesforce.com", self.base_url)
        return super().send(request, **kwargs)


def token(served: ServedApp, **form: str) -> requests.Response:
    return requests.post(f"{served.url}/services/oauth2/token", data=form, timeout=5)


def assertion(sandbox: SalesforceSandbox, **claims: Any) -> str:
    body = {
        "iss": sandbox.client_id,
        "sub": sandbox.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    }
    return jwt.encode({**body, **claims}, PRIVATE_PEM, algorithm="RS256")


def test_simple_salesforce_jwt_login_and_silent_reauth(
    served: ServedApp, sandbox: SalesforceSandbox
) -> None:
    session = requests.Session()
    session.mount("https://login.salesforce.com", _LoginToSandbox(served.url))
    sf = Salesforce(
        username=sandbox.username,
        consumer_key=sandbox.client_id,
        privatekey=PRIVATE_PEM,
        session=session,
        version="60.0",
    )
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 1
    sandbox.expire_sessions()
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 1  # simple-salesforce logs in again
    assert sandbox.ledger.count("POST", "/services/oauth2/token") == 2


def test_jwt_answer_shape(served: ServedApp, sandbox: SalesforceSandbox) -> None:
    answer = token(
        served,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=assertion(sandbox),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "access_token",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["instance_url"] == served.url
    assert body["token_type"] == "Bearer"
    assert body["id"].endswith(f"/{sandbox.org_id}/{sandbox.integration_user_id}")


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        ({"sub": "nobody@example.com"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"aud": "https://evil.example"}, "invalid_grant", "audience is invalid"),
        ({"exp": 1}, "invalid_grant", "expired authorization code"),
    ],
)
def test_jwt_errors(
    served: ServedApp,
    sandbox: SalesforceSandbox,
    claims: dict[str, Any],
    error: str,
    description: str,
) -> None:
    answer = token(
        served,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=assertion(sandbox, **claims),
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": error, "error_description": description}


def test_jwt_signed_by_another_key_is_invalid_grant(
    served: ServedApp, sandbox: SalesforceSandbox
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "iss": sandbox.client_id,
            "sub": sandbox.username,
            "aud": "https://login.salesforce.com",
            "exp": int(time.time()) + 60,
        },
        other,
        algorithm="RS256",
    )
    answer = token(
        served, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=forged
    )
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_client_credentials_in_form_and_basic_auth(
    served: ServedApp, sandbox: SalesforceSandbox
) -> None:
    form = token(
        served,
        grant_type="client_credentials",
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
    )
    assert form.status_code == 200
    assert form.json()["instance_url"] == served.url
    basic = base64.b64encode(f"{sandbox.client_id}:{sandbox.client_secret}".encode()).decode()
    header = requests.post(
        f"{served.url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    )
    sf = Salesforce(
        instance_url=header.json()["instance_url"],
        session_id=header.json()["access_token"],
        version="60.0",
    )
    assert sf.query("SELECT Id FROM User")["totalSize"] == 1
    wrong = token(
        served, grant_type="client_credentials", client_id=sandbox.client_id, client_secret="nope"
    )
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")
    unsupported = token(served, grant_type="password", username="u", password="p")
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_expired_token_is_401_invalid_session_id(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.expire_sessions()
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Account")
    assert content(caught) == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_daily_allowance_runs_out(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.allowance.max = 3  # a tiny org allowance
    sf.query("SELECT Id FROM Account")
    assert (sf.api_usage["api-usage"].used, sf.api_usage["api-usage"].total) == (1, 3)
    sf.query("SELECT Id FROM Account")
    assert sf.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 0}
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.status == 403
    assert content(caught) == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert (
        sandbox.ledger.count("GET", "/services/data/v60.0/query") == 3
    )  # refused calls are still recorded
    sandbox.allowance.reset()
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0


def test_versions_list_and_token_calls_are_not_counted(
    served: ServedApp, sandbox: SalesforceSandbox
) -> None:
    versions = requests.get(f"{served.url}/services/data/", timeout=5)
    assert [v["version"] for v in versions.json()][-1] == "62.0"
    assert "Sforce-Limit-Info" not in versions.headers
    token(
        served,
        grant_type="client_credentials",
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
    )
    assert sandbox.api_usage == 0
