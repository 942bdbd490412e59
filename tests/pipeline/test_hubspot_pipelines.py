"""Deals in any pipeline: a portal's second pipeline has numeric stage ids whose meaning is
only in the stage metadata (isClosed, probability), as the pipelines API describes it
(https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide). The sandbox
loader puts high-touch accounts' deals in the "Enterprise" pipeline (75330913)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from crm_sandbox.hubspot.loader import ENTERPRISE, ENTERPRISE_STAGES
from tests.pipeline.conftest import worked_example_hubspot
from tests.pipeline.hubspot_org import HubSpotOrg

ON = date(2026, 6, 30)


def _enterprise_org(make_hubspot_org: Callable[..., HubSpotOrg]) -> HubSpotOrg:
    org = make_hubspot_org(worked_example_hubspot(segment="high_touch"))
    contract = org.deal(org.contract_id())
    assert contract.props["pipeline"] == ENTERPRISE
    assert contract.props["dealstage"] == ENTERPRISE_STAGES["closed_won"]  # "104710024"
    return org


def test_a_deal_signed_in_another_pipeline_is_a_contract_that_renews(
    make_hubspot_org: Callable[..., HubSpotOrg],
) -> None:
    org = _enterprise_org(make_hubspot_org)
    assert org.run(today=ON).status == "succeeded"
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.amount == Decimal("22500.00")
    assert renewal.renews == org.contract_id()
    # the high-touch playbook: the three milestones and a business review
    assert len(org.tasks_of(renewal.id)) == 4


def test_a_deal_not_renewed_in_another_pipeline_is_no_contract(
    make_hubspot_org: Callable[..., HubSpotOrg],
) -> None:
    org = _enterprise_org(make_hubspot_org)
    org.person_updates("deals", org.contract_id(), {"dealstage": ENTERPRISE_STAGES["closed_lost"]})
    assert org.run(today=ON).status == "succeeded"
    assert org.renewals() == []


def test_the_mapping_overrides_a_stage_meaning_the_metadata_gives(
    make_hubspot_org: Callable[..., HubSpotOrg],
) -> None:
    """An admin who says "Signed still needs countersigning" maps it to open in `values`."""
    org = _enterprise_org(make_hubspot_org)
    order = org.mapping.read["order"]
    status = order.fields["status"]
    values = dict(status.values or {}) | {ENTERPRISE_STAGES["closed_won"]: "open"}
    org.mapping = org.mapping.model_copy(
        update={
            "read": org.mapping.read
            | {
                "order": order.model_copy(
                    update={
                        "fields": order.fields
                        | {"status": status.model_copy(update={"values": values})}
                    }
                )
            }
        }
    )
    assert org.run(today=ON).status == "succeeded"
    assert org.renewals() == []
