"""Every part of the default health score has an input on both CRMs (issue 13; domain spec,
"Health score"): customer feedback comes from CSAT / CES answers - HubSpot feedback
submissions (https://developers.hubspot.com/docs/api/crm/feedback-submissions, read-only,
with `hs_survey_type` and `hs_sentiment`) and Salesforce `Customer_Feedback__c` records."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from contract_rules.health import HealthPart, HealthSettings
from mappings import load_default
from tests.pipeline.conftest import MakeOrg

WORKED_EXAMPLE: tuple[()] = ()
DAY = date(2026, 6, 30)

# Where each part's data comes from: the read concept (and its fields) that feed it.
INPUTS: dict[HealthPart, tuple[str, tuple[str, ...]]] = {
    HealthPart.USAGE: ("account", ("licensed_seats", "active_seats")),
    HealthPart.SUPPORT: ("case", ("account_id", "priority", "is_closed")),
    HealthPart.NPS: ("nps", ("account_id", "score")),
    HealthPart.FEEDBACK: ("feedback", ("account_id", "sentiment")),
    HealthPart.RENEWAL_HISTORY: ("order", ("type", "status", "amends", "end_date")),
}


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_every_weighted_part_has_a_mapped_input_in_the_default_mapping(crm: str) -> None:
    mapping = load_default(crm)
    weighted = [p for p, w in HealthSettings().weights.items() if w > 0]
    assert sorted(weighted) == sorted(INPUTS)
    for part in weighted:
        concept, fields = INPUTS[part]
        assert concept in mapping.read, f"{crm}: no `{concept}` concept feeds {part}"
        missing = [f for f in fields if f not in mapping.read[concept].fields]
        assert not missing, f"{crm}: `{concept}` lacks {missing} for {part}"


def test_survey_answers_become_the_feedback_part_and_age_out_after_a_year(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=DAY).status == "succeeded"
    account = org.account()
    assert "feedback" not in account.health_parts
    moment = datetime.combine(DAY, time(9), tzinfo=UTC)
    for n, sentiment in enumerate(("positive", "positive", "negative")):
        org.customer_answers_survey(account.id, sentiment, moment + timedelta(minutes=n))
    result = org.run(today=DAY + timedelta(days=1))
    assert result.status == "succeeded", result.error
    assert result.stats["pulled.feedback"] == 3
    after = org.account()
    assert after.health_parts["feedback"] == Decimal("66.7")  # (100 + 100 + 0) / 3
    assert after.health_score != account.health_score

    org.reset_ledger()
    assert org.run(today=DAY + timedelta(days=1)).status == "succeeded"
    assert org.writes() == 0

    a_year_on = org.run(today=DAY + timedelta(days=367))
    assert a_year_on.status == "succeeded", a_year_on.error
    assert "feedback" not in org.account().health_parts
