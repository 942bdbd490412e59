"""`renewal-sync report` over the state a sync keeps, on both CRMs (issue 17): sync the
worked example, a person closes its renewal won or lost in the CRM, sync again, and the
report's counts are what the test did. No CRM call is made by the report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contract_rules import RuleSettings
from sync.report.document import build
from sync.report.gather import gather
from tests.pipeline.conftest import MakeOrg
from tests.pipeline.orgs import Org

DAY = date(2026, 6, 30)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _report(org: Org, as_of: date = DAY) -> dict:  # type: ignore[type-arg]
    calls = org.sandbox.ledger.total
    document = build(gather(org.store, org.crm, org.mapping, RuleSettings(), as_of), *YEAR)
    assert org.sandbox.ledger.total == calls, "the report reads the state, not the CRM"
    return document


def test_an_open_renewal_is_due_and_on_the_calendar(make_org: MakeOrg) -> None:
    org = make_org(orders=())
    org.run(today=DAY)
    org.run(today=DAY)
    document = _report(org)
    kpis = document["kpis"]
    assert (kpis["due"], kpis["won"], kpis["lost"], kpis["open"]) == (1, 0, 0, 1)
    assert kpis["resolution_rate"] == "0.0000"
    assert kpis["close_rate"] is None  # nothing settled yet
    within = {w["days"]: w for w in document["calendar"]["within"]}
    # the renewal closes 2026-12-31: 184 days after 2026-06-30, beyond every horizon
    assert within[180]["count"] == 0
    later = _report(org, as_of=date(2026, 7, 15))["calendar"]["within"]
    assert {w["days"]: w["count"] for w in later}[180] == 1
    assert {w["days"]: w["expected_spend"] for w in later}[180] == "22500.00"
    months = {m["month"]: m for m in document["calendar"]["by_month"]}
    assert months["2026-12"]["count"] == 1


@pytest.mark.parametrize("won", [True, False], ids=["won", "lost"])
def test_closing_the_renewal_moves_the_kpis(make_org: MakeOrg, won: bool) -> None:
    org = make_org(orders=())
    org.run(today=DAY)
    renewal = org.renewal("Analytics:2027-01-01")
    org.person_closes_renewal(renewal.id, won=won)
    assert org.run(today=DAY).status == "succeeded"
    org.run(today=DAY)
    kpis = _report(org)["kpis"]
    assert (kpis["due"], kpis["won"], kpis["lost"]) == (1, int(won), int(not won))
    assert kpis["resolution_rate"] == "1.0000"
    assert kpis["close_rate"] == ("1.0000" if won else "0.0000")
    prior = Decimal(kpis["prior_amount"])
    assert prior > 0
    if won:  # renewed at the expected spend, against the contract it renews
        assert Decimal(kpis["renewed_amount"]) == renewal.amount
        assert Decimal(kpis["conversion_rate"]) == (renewal.amount / prior).quantize(
            Decimal("0.0001")
        )
    else:
        assert kpis["conversion_rate"] == "0.0000"


def test_each_split_carries_its_own_retention(make_org: MakeOrg) -> None:
    org = make_org(orders=())
    org.run(today=DAY)
    org.run(today=DAY)
    document = _report(org)
    (segment,) = document["by_segment"].values()  # the worked example: one account
    assert segment["due"] == 1
    assert segment["grr"] == document["kpis"]["grr"]
    assert segment["nrr"] == document["kpis"]["nrr"]
