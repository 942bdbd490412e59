"""Every API version a real org serves, and who the session is.

Versions: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.md (the
list from v31.0 "Summer '14", no authentication) and resources-versions.md (the `latest`
alias). Identity URL: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm;
userinfo: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm.
"""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from tests.sandbox.salesforce.conftest import add_accounts


def test_the_versions_list_runs_from_v31_to_v62_with_release_labels(served: ServedApp) -> None:
    listed = requests.get(f"{served.url}/services/data/", timeout=5).json()
    assert listed[0] == {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
    assert {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"} in listed
    assert listed[-1] == {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}
    assert len(listed) == 32


def test_simple_salesforce_s_default_version_works_and_records_carry_the_asked_version(
    sandbox: SalesforceSandbox, served: ServedApp
) -> None:
    """The README's snippet: no `version=`, so simple-salesforce asks for its default (59.0)."""
    add_accounts(sandbox, 3)
    sf = Salesforce(instance_url=served.url, session_id=sandbox.issue_token())
    answer = sf.query("SELECT Id, Name FROM Account")
    assert answer["totalSize"] == 3
    version = sf.sf_version
    assert answer["records"][0]["attributes"]["url"].startswith(f"/services/data/v{version}/")
    old = Salesforce(instance_url=served.url, session_id=sandbox.issue_token(), version="31.0")
    assert old.query("SELECT Id FROM Account")["totalSize"] == 3
    assert sandbox.ledger.count("GET", f"/services/data/v{version}/query") == 1
    assert sandbox.ledger.count("GET", "/services/data/v31.0/query") == 1


@pytest.mark.parametrize("version", ["v30.0", "v63.0", "v60.5"])
def test_a_version_the_org_does_not_serve_is_not_found(
    sandbox: SalesforceSandbox, served: ServedApp, version: str
) -> None:
    headers = {"Authorization": f"Bearer {sandbox.issue_token()}"}
    answer = requests.get(
        f"{served.url}/services/data/{version}/limits", headers=headers, timeout=5
    )
    assert answer.status_code == 404
    assert answer.json()[0]["errorCode"] == "NOT_FOUND"


def test_latest_resolves_to_the_newest_version(
    sandbox: SalesforceSandbox, served: ServedApp
) -> None:
    headers = {"Authorization": f"Bearer {sandbox.issue_token()}"}
    root = requests.get(f"{served.url}/services/data/latest", headers=headers, timeout=5).json()
    assert root["query"] == "/services/data/v62.0/query"


def test_the_identity_url_and_userinfo_name_the_session_s_user(
    sandbox: SalesforceSandbox, served: ServedApp
) -> None:
    granted = requests.post(
        f"{served.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=5,
    ).json()
    headers = {"Authorization": f"Bearer {granted['access_token']}"}
    root = requests.get(f"{served.url}/services/data/v60.0", headers=headers, timeout=5).json()
    assert root["identity"] == granted["id"]
    before = sandbox.allowance.used
    me = requests.get(granted["id"], headers=headers, timeout=5).json()
    assert me["user_id"] == sandbox.integration_user_id
    assert me["organization_id"] == sandbox.org_id
    assert me["username"] == sandbox.username
    assert me["urls"]["rest"] == f"{served.url}/services/data/v{{version}}/"
    info = requests.get(f"{served.url}/services/oauth2/userinfo", headers=headers, timeout=5)
    assert info.json()["sub"] == granted["id"]
    assert info.json()["preferred_username"] == sandbox.username
    assert sandbox.allowance.used == before  # identity calls cost no API allowance
    assert requests.get(granted["id"], timeout=5).status_code == 401
    other = granted["id"].rsplit("/", 1)[0] + "/005000000000000AAA"
    assert requests.get(other, headers=headers, timeout=5).status_code == 403
