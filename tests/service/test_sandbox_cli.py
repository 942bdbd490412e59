"""`renewal-sync sandbox serve` prints export lines that point an unmodified client at it."""

from __future__ import annotations

import hubspot
import pytest
import simple_salesforce

from tests.served_process import served_process


@pytest.mark.slow
def test_salesforce_sandbox_serves_an_unmodified_simple_salesforce(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with served_process("salesforce", "REQUESTS_CA_BUNDLE") as env:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", env["REQUESTS_CA_BUNDLE"])
        sf = simple_salesforce.Salesforce(
            instance_url=env["SF_INSTANCE_URL"], session_id=env["SF_ACCESS_TOKEN"], version="60.0"
        )
        result = sf.query("SELECT Id, Account.Name FROM Opportunity ORDER BY Id LIMIT 5")
        assert result["totalSize"] == 5
        assert all(record["Account"]["Name"] for record in result["records"])
        assert env["SF_INSTANCE_URL"].startswith("https://127.0.0.1:")


@pytest.mark.slow
def test_hubspot_sandbox_serves_an_unmodified_hubspot_client() -> None:
    with served_process("hubspot", "HUBSPOT_API_HOST") as env:
        client = hubspot.HubSpot(
            access_token=env["HUBSPOT_ACCESS_TOKEN"], host=env["HUBSPOT_API_HOST"]
        )
        page = client.crm.companies.basic_api.get_page(limit=3, properties=["name"])
        assert len(page.results) == 3
        assert all(company.properties["name"] for company in page.results)
