"""Who the session is: the identity URL and OpenID Connect's userinfo.

The token response's `id` is the identity URL (`/id/<org id>/<user id>`); a GET on it with the
session answers the user and org with the org's resource URLs
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm, "Identity
URLs"); `/services/oauth2/userinfo` answers the same person in OpenID Connect's claim names
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm).
Both need the session; neither counts against the daily API allowance.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.org import Org

_RESOURCES = ("sobjects", "search", "query", "recent", "limits", "composite")


def identity_url(base_url: str, org_id: str, user_id: str) -> str:
    return f"{base_url}/id/{org_id}/{user_id}"


def _urls(base_url: str, org_id: str, user_id: str) -> dict[str, str]:
    """The org's resource URLs; `{version}` stays a literal placeholder, as in a real org."""
    data = f"{base_url}/services/data/v{{version}}"
    urls = {name: f"{data}/{name}/" for name in _RESOURCES}
    return urls | {
        "enterprise": f"{base_url}/services/Soap/c/{{version}}/{org_id}",
        "metadata": f"{base_url}/services/Soap/m/{{version}}/{org_id}",
        "partner": f"{base_url}/services/Soap/u/{{version}}/{org_id}",
        "rest": f"{data}/",
        "profile": f"{base_url}/{user_id}",
        "users": f"{data}/chatter/users",
        "custom_domain": base_url,
    }


def _user(org: Org, user_id: str) -> dict[str, Any]:
    row = org.store.get(user_id)
    if row is None:
        raise ApiError(403, "Bad_Id", "Bad_Id")
    return row


def identity(org: Org, base_url: str, org_id: str, user_id: str, asked: str) -> dict[str, Any]:
    """GET /id/<org>/<user>: only the session's own identity (another user's is refused)."""
    if asked.rstrip("/").split("/")[-2:] != [org_id, user_id]:
        raise ApiError(403, "Bad_Id", "Bad_Id")
    row = _user(org, user_id)
    return {
        "id": identity_url(base_url, org_id, user_id),
        "asserted_user": True,
        "user_id": user_id,
        "organization_id": org_id,
        "username": row.get("Username"),
        "nick_name": str(row.get("Username") or "").partition("@")[0],
        "display_name": row.get("Name"),
        "email": row.get("Email"),
        "email_verified": True,
        "first_name": row.get("FirstName"),
        "last_name": row.get("LastName"),
        "timezone": "GMT",
        "active": bool(row.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "last_modified_date": row.get("LastModifiedDate"),
        "urls": _urls(base_url, org_id, user_id),
    }


def userinfo(org: Org, base_url: str, org_id: str, user_id: str) -> dict[str, Any]:
    """GET /services/oauth2/userinfo: the same person as OpenID Connect claims."""
    row = _user(org, user_id)
    return {
        "sub": identity_url(base_url, org_id, user_id),
        "user_id": user_id,
        "organization_id": org_id,
        "preferred_username": row.get("Username"),
        "nickname": str(row.get("Username") or "").partition("@")[0],
        "name": row.get("Name"),
        "email": row.get("Email"),
        "email_verified": True,
        "given_name": row.get("FirstName"),
        "family_name": row.get("LastName"),
        "zoneinfo": "GMT",
        "active": bool(row.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "updated_at": row.get("LastModifiedDate"),
        "urls": _urls(base_url, org_id, user_id),
    }
