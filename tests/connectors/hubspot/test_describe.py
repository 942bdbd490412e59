"""Describe from the properties API, in the port's CRM-neutral shape."""

from __future__ import annotations

from crm_sandbox.hubspot import HubSpotSandbox
from sync.connectors.hubspot import HubSpotAdapter
from tests.connectors.hubspot.conftest import KEY


def test_describe_reads_types_uniqueness_options_and_read_only_values(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    described = adapter.describe(["deals", "line_items", "deals"])
    assert set(described) == {"deals", "line_items"}
    deals = described["deals"].fields
    assert deals["contract_end_date"].type == "date"
    assert deals[KEY].unique
    assert deals[KEY].external_id
    assert not deals["dealname"].unique
    assert "renewal" in deals["order_type"].picklist_values
    assert deals["dealname"].updateable
    assert not described["line_items"].fields["amount"].updateable  # HubSpot computes it
    assert adapter.calls == 2


def test_missing_objects_and_owners_are_left_out(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    assert set(adapter.describe(["no_such_object", "owners", "companies"])) == {"companies"}
    sandbox.schema.drop_property("companies", "segment")
    assert "segment" not in adapter.describe(["companies"])["companies"].fields
