"""Failures against the sandbox: retries, lost answers, sessions, limits, drift, logins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from mappings.streams import Stream
from sync.connectors.salesforce import SalesforceAdapter
from sync.core.ports import (
    AuthenticationError,
    CrmUnavailableError,
    DeferRunError,
    SchemaDriftError,
)
from sync.settings import Settings
from tests.connectors.salesforce.conftest import (
    QUERY_ALL,
    START,
    TOKEN,
    UPSERT_PATH,
    add_accounts,
    client_credentials,
    connect,
)

KEY = "Renewal_Sync_Key__c"
ACCOUNTS = Stream("account", "Account", ("Name", "Segment__c"))
LATER = START + timedelta(hours=1)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _pem(_KEY)
PUBLIC_PEM = _KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def pull_ids(adapter: SalesforceAdapter, stream: Stream = ACCOUNTS) -> list[str]:
    return [r["Id"] for page in adapter.pull(stream, None, LATER) for r in page.records]


def test_a_burst_of_503_is_retried_with_back_off(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    accounts = add_accounts(sandbox, 3)
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503, times=3))
    assert sorted(pull_ids(adapter)) == sorted(accounts)
    assert sandbox.ledger.count("GET", QUERY_ALL) == 4
    assert adapter.calls == 4
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2] <= 30 + 1  # exponential, capped (plus jitter)


def test_429_and_502_are_transient_too(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=429, times=1))
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=502, times=1))
    assert all(o.ok for o in adapter.upsert("Account", KEY, [{KEY: "a", "Name": "A"}]))


def test_503_that_outlasts_the_retries_is_crm_unavailable(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503))
    with pytest.raises(CrmUnavailableError) as caught:
        pull_ids(adapter)
    assert caught.value.code == "SERVER_UNAVAILABLE"
    assert adapter.calls == 5  # RetryPolicy.attempts
    assert len(sleeps) == 4


def test_a_lost_upsert_answer_is_retried_without_a_duplicate(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.faults.add(
        FaultRule(
            FaultKind.LOST_RESPONSE,
            times=1,
            methods=frozenset({"PATCH"}),
            path_contains="composite/sobjects",
        )
    )
    records = [{KEY: f"k{i}", "Name": f"A{i}"} for i in range(3)]
    outcomes = adapter.upsert("Account", KEY, records)
    assert all(o.ok for o in outcomes)
    assert sandbox.ledger.count("PATCH", UPSERT_PATH) == 2
    assert sorted(r[KEY] for r in sandbox.records("Account")) == ["k0", "k1", "k2"]


def test_an_expired_session_logs_in_again_once_and_the_call_succeeds(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    accounts = add_accounts(sandbox, 2)
    sandbox.faults.add(FaultRule(FaultKind.EXPIRED_SESSION, times=1))
    assert sorted(pull_ids(adapter)) == sorted(accounts)
    assert sandbox.ledger.count("POST", TOKEN) == 2  # the first login and one renewal
    assert sandbox.ledger.count("GET", QUERY_ALL) == 2


def test_a_session_refused_again_after_renewal_is_an_authentication_error(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.EXPIRED_SESSION, times=2, path_contains="queryAll"))
    with pytest.raises(AuthenticationError):
        pull_ids(adapter)
    assert sandbox.ledger.count("POST", TOKEN) == 2


def test_an_expired_given_token_names_sf_access_token(
    served: ServedApp, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    settings = Settings(sf_instance_url=served.url, sf_access_token=sandbox.issue_token())
    adapter = connect(settings, sleeps)
    assert adapter.calls == 1  # the /limits probe that checks the token
    sandbox.expire_sessions()
    with pytest.raises(AuthenticationError) as caught:
        pull_ids(adapter)
    assert "SF_ACCESS_TOKEN" in str(caught.value)
    assert sandbox.ledger.count("POST", TOKEN) == 0


def test_refused_client_credentials_fail_fast_without_the_secret(
    served: ServedApp, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    wrong = "wrong-secret-value-123"
    settings = Settings(
        sf_login_url=served.url, sf_client_id=sandbox.client_id, sf_client_secret=wrong
    )
    with pytest.raises(AuthenticationError) as caught:
        connect(settings, sleeps)
    assert caught.value.code == "invalid_client"
    assert wrong not in str(caught.value)
    assert "SF_CLIENT_SECRET" in str(caught.value)
    assert sandbox.ledger.count("POST", TOKEN) == 1  # a refusal is not retried


def test_a_refused_given_token_fails_fast(
    served: ServedApp, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    settings = Settings(sf_instance_url=served.url, sf_access_token="00Dxx!not-a-live-token")
    with pytest.raises(AuthenticationError, match="SF_ACCESS_TOKEN"):
        connect(settings, sleeps)


@pytest.mark.parametrize("sandbox", [{"jwt_public_key": PUBLIC_PEM}], indirect=True)
def test_jwt_bearer_logs_in_with_a_signed_assertion(
    served: ServedApp, sandbox: SalesforceSandbox, tmp_path: Path, sleeps: list[float]
) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_bytes(PRIVATE_PEM)
    settings = Settings(
        sf_login_url=served.url,
        sf_client_id=sandbox.client_id,
        sf_username=sandbox.username,
        sf_private_key_file=key_file,
    )
    assert settings.salesforce_auth == "jwt"
    adapter = connect(settings, sleeps)
    assert adapter.describe(["Account"])["Account"].fields["Name"].type == "string"
    assert sandbox.ledger.count("POST", TOKEN) == 1


@pytest.mark.parametrize("sandbox", [{"jwt_public_key": PUBLIC_PEM}], indirect=True)
def test_a_jwt_signed_by_another_key_is_refused(
    served: ServedApp, sandbox: SalesforceSandbox, tmp_path: Path, sleeps: list[float]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "other.key"
    key_file.write_bytes(_pem(other))
    settings = Settings(
        sf_login_url=served.url,
        sf_client_id=sandbox.client_id,
        sf_username=sandbox.username,
        sf_private_key_file=key_file,
    )
    with pytest.raises(AuthenticationError) as caught:
        connect(settings, sleeps)
    assert caught.value.code == "invalid_grant"


def test_the_budget_share_defers_the_run_before_the_call(
    served: ServedApp, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    sandbox.allowance.max = 10
    adapter = connect(client_credentials(served, sandbox, api_budget_share=0.3), sleeps)
    sandbox.allowance.reset(used=2)
    pull_ids(adapter)  # 3/10 after this call
    assert adapter.usage() is not None
    assert adapter.usage().share() == pytest.approx(0.3)  # type: ignore[union-attr]
    before = sandbox.ledger.total
    with pytest.raises(DeferRunError) as caught:
        pull_ids(adapter)
    assert caught.value.code == "API_BUDGET_REACHED"
    assert sandbox.ledger.total == before  # refused before the call
    assert adapter.calls == 1


def test_request_limit_exceeded_defers_the_run(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox, sleeps: list[float]
) -> None:
    sandbox.allowance.reset(used=sandbox.allowance.max)  # other integrations used the day
    with pytest.raises(DeferRunError) as caught:
        adapter.upsert("Account", KEY, [{KEY: "a", "Name": "A"}])
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert sleeps == []  # not retried


def test_a_dropped_field_in_a_query_is_schema_drift_naming_it(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.schema.drop_field("Account", "Segment__c")
    with pytest.raises(SchemaDriftError) as caught:
        pull_ids(adapter)
    assert (caught.value.code, caught.value.object_name) == ("INVALID_FIELD", "Account")
    assert caught.value.field_name == "Segment__c"
    orders = Stream("order", "Opportunity", ("Name", "Account.Segment__c"))
    with pytest.raises(SchemaDriftError) as caught:
        pull_ids(adapter, orders)
    assert (caught.value.object_name, caught.value.field_name) == (
        "Opportunity",
        "Account.Segment__c",
    )


def test_a_dropped_field_in_a_write_is_schema_drift_naming_it(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    (account,) = add_accounts(sandbox, 1)
    sandbox.schema.drop_field("Account", "Health_Score__c")
    with pytest.raises(SchemaDriftError) as caught:
        adapter.update("Account", [{"Id": account, "Health_Score__c": 80}])
    assert caught.value.code == "INVALID_FIELD"
    assert (caught.value.object_name, caught.value.field_name) == ("Account", "Health_Score__c")


def test_a_dropped_field_in_an_upsert_is_schema_drift_naming_it(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    sandbox.schema.drop_field("Account", "Health_Score__c")
    with pytest.raises(SchemaDriftError) as caught:
        adapter.upsert("Account", KEY, [{KEY: "a", "Name": "A", "Health_Score__c": 80}])
    assert caught.value.field_name == "Health_Score__c"


def test_a_missing_object_and_a_bad_filter_are_schema_drift(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    with pytest.raises(SchemaDriftError) as caught:
        pull_ids(adapter, Stream("x", "Contract__c", ("Name",)))
    assert (caught.value.code, caught.value.field_name) == ("INVALID_TYPE", None)
    with pytest.raises(SchemaDriftError) as caught:
        pull_ids(adapter, Stream("x", "Account", ("Name",), where="Name = = 'x'"))
    assert caught.value.code == "MALFORMED_QUERY"


def test_names_that_are_not_api_names_never_reach_the_server(
    adapter: SalesforceAdapter, sandbox: SalesforceSandbox
) -> None:
    bad = Stream("x", "Account", ("Name FROM User --",))
    with pytest.raises(SchemaDriftError) as caught:
        pull_ids(adapter, bad)
    assert (caught.value.code, caught.value.field_name) == ("INVALID_FIELD", "Name FROM User --")
    with pytest.raises(SchemaDriftError):
        adapter.upsert("Account/../User", KEY, [{KEY: "x"}])
    escape = Stream("x", "Account", ("Name",), where="Name = 'a') OR (Name != null")
    with pytest.raises(SchemaDriftError):
        pull_ids(adapter, escape)
    assert sandbox.ledger.total == 1  # only the login
