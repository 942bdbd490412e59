"""The pipelines API through the unmodified hubspot-api-client
(https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide): several deal
pipelines, numeric stage ids, won and lost only in the stage metadata; hs_is_closed and
hs_is_closed_won follow the metadata of the deal's own pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.pipelines import ApiException

from crm_sandbox.hubspot import HubSpotSandbox


def test_deal_pipelines_list_their_stages_with_metadata(
    client: Any, sandbox: HubSpotSandbox
) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [(p.id, p.label) for p in pipelines] == [
        ("default", "Sales Pipeline"), ("75330913", "Enterprise")
    ]  # fmt: skip
    enterprise = {s.id: s for s in pipelines[1].stages}
    assert enterprise["104710024"].metadata == {"isClosed": "true", "probability": "1.0"}
    assert enterprise["104710025"].metadata == {"isClosed": "true", "probability": "0.0"}
    assert enterprise["104710022"].metadata["isClosed"] == "false"
    one = client.crm.pipelines.pipelines_api.get_by_id("deals", "75330913")
    assert one.label == "Enterprise"
    stages = client.crm.pipelines.pipeline_stages_api.get_all("deals", "75330913").results
    assert [s.display_order for s in stages] == [0, 1, 2, 3, 4]
    tickets = client.crm.pipelines.pipelines_api.get_all("tickets").results
    assert tickets[0].stages[-1].metadata == {"ticketState": "CLOSED", "isClosed": "true"}


def test_an_unknown_pipeline_is_not_found(client: Any, sandbox: HubSpotSandbox) -> None:
    with pytest.raises(ApiException) as caught:
        client.crm.pipelines.pipelines_api.get_by_id("deals", "999")
    assert caught.value.status == 404


def test_closed_flags_follow_the_stage_metadata_of_the_deal_s_pipeline(
    client: Any, sandbox: HubSpotSandbox
) -> None:
    created = client.crm.deals.basic_api.create(
        {"properties": {"dealname": "Big", "pipeline": "75330913", "dealstage": "104710024"}}
    )
    deal = client.crm.deals.basic_api.get_by_id(
        created.id, properties=["hs_is_closed", "hs_is_closed_won"]
    )
    assert (deal.properties["hs_is_closed"], deal.properties["hs_is_closed_won"]) == (
        "true",
        "true",
    )
    client.crm.deals.basic_api.update(created.id, {"properties": {"dealstage": "104710025"}})
    deal = client.crm.deals.basic_api.get_by_id(
        created.id, properties=["hs_is_closed", "hs_is_closed_won"]
    )
    assert (deal.properties["hs_is_closed"], deal.properties["hs_is_closed_won"]) == (
        "true",
        "false",
    )
