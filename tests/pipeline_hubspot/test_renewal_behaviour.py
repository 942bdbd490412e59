"""What a HubSpot user sees: amounts, associations, follow-ups, a person's edit, terminations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_sandbox.hubspot.store import Record
from tests.pipeline_hubspot.conftest import MakeHarness
from tests.pipeline_hubspot.harness import KEY, Harness, midnight_utc
from tests.pipeline_hubspot.scenarios import contract, worked_example_sandbox

# HubSpot association type ids (docs/sandbox-hubspot.md)
DEAL_TO_COMPANY, LINE_TO_DEAL = 5, 20


def _contract(harness: Harness) -> Record:
    (found,) = [d for d in harness.sandbox.records("deals") if d.props.get("order_type") == "new"]
    return found


def _company_id(harness: Harness) -> int:
    (company,) = harness.sandbox.records("companies")
    return company.id


def _add_seats_upgrade(harness: Harness, seats: int, start: date) -> str:
    """A person books an upgrade adding seats: a closed-won deal with one line item."""
    upgrade = harness.person_creates("deals", {
        "dealname": "Worked Example - more seats", "pipeline": "default",
        "dealstage": "closedwon", "closedate": start.isoformat(), "order_type": "upgrade",
        "contract_start_date": start.isoformat(), "contract_end_date": "2026-12-31",
        "amended_deal_id": _contract(harness).id, "product_family": "Analytics",
    }, {DEAL_TO_COMPANY: str(_company_id(harness))})  # fmt: skip
    harness.person_creates("line_items", {
        "name": "ANL-SEAT", "hs_sku": "ANL-SEAT", "brick_kind": "subscription",
        "quantity": seats, "price": 300, "hs_discount_percentage": 5,
        "recurringbillingfrequency": "annually",
    }, {LINE_TO_DEAL: upgrade})  # fmt: skip
    return upgrade


def test_the_renewal_deal_carries_the_worked_example_amount(make_harness: MakeHarness) -> None:
    harness = make_harness(worked_example_sandbox())
    assert harness.run(today=date(2026, 6, 30)).status == "succeeded"
    renewal = harness.renewal("Analytics:2027-01-01").props
    assert Decimal(renewal["amount"]) == Decimal("22500.00")
    assert renewal["closedate"] == midnight_utc("2026-12-31")
    assert renewal["contract_start_date"] == "2027-01-01"
    assert renewal["contract_end_date"] == "2027-12-31"
    assert renewal["renewed_deal_id"] == str(_contract(harness).id)
    assert renewal["dealstage"] == "appointmentscheduled"
    assert renewal["hubspot_owner_id"] == _contract(harness).props["hubspot_owner_id"]
    assert "one-time" in renewal["renewal_ledger"]


def test_an_upgrade_adding_ten_seats_moves_the_renewal_amount(make_harness: MakeHarness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    _add_seats_upgrade(harness, 10, date(2026, 7, 1))
    assert harness.run(today=date(2026, 7, 2)).status == "succeeded"
    renewal = harness.renewal("Analytics:2027-01-01")
    assert Decimal(renewal.props["amount"]) == Decimal("25350.00")
    assert len(harness.renewals()) == 1
    yearly = sum(Decimal(li.props["amount"]) for li in harness.lines_of(renewal.id))
    assert yearly == Decimal("25350.00")


def test_the_renewal_is_on_its_company_its_lines_on_it_and_tasks_on_both(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal, company = harness.renewal("Analytics:2027-01-01"), _company_id(harness)
    sandbox = harness.sandbox
    assert sandbox.associated_ids("deals", renewal.id, "companies") == [company]
    lines = [li for li in sandbox.records("line_items") if li.props.get(KEY)]
    assert lines
    assert {tuple(sandbox.associated_ids("line_items", li.id, "deals")) for li in lines} == {
        (renewal.id,)
    }
    tasks = [t for t in sandbox.records("tasks") if t.props.get(KEY)]
    assert len(tasks) == 3
    for task in tasks:
        assert sandbox.associated_ids("tasks", task.id, "deals") == [renewal.id]
        assert sandbox.associated_ids("tasks", task.id, "companies") == [company]


def test_milestone_tasks_fall_on_weekdays_150_90_60_days_out_at_midnight_utc(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    tasks = harness.tasks_of(renewal.id)
    due = sorted(t.props["hs_timestamp"] for t in tasks)
    # 2026-12-31 minus 150 / 90 / 60 days = Aug 3 (Mon), Oct 2 (Fri), Nov 1 (Sun -> Fri Oct 30)
    assert due == [midnight_utc(d) for d in ("2026-08-03", "2026-10-02", "2026-10-30")]
    assert {t.props["hubspot_owner_id"] for t in tasks} == {renewal.props["hubspot_owner_id"]}
    assert {t.props["hs_task_status"] for t in tasks} == {"NOT_STARTED"}


def test_each_task_exists_once_even_when_a_person_deletes_it(make_harness: MakeHarness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    harness.person_archives("tasks", str(harness.tasks_of(renewal.id)[0].id))
    harness.run(today=date(2026, 7, 1))
    assert len(harness.tasks_of(renewal.id)) == 2


def test_a_termination_closes_the_renewal_lost_and_completes_its_tasks(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    harness.person_creates("deals", {
        "dealname": "Worked Example - termination", "pipeline": "default",
        "dealstage": "closedwon", "closedate": "2026-07-10", "order_type": "termination",
        "contract_start_date": "2026-07-10", "amended_deal_id": _contract(harness).id,
        "product_family": "Analytics",
    }, {DEAL_TO_COMPANY: str(_company_id(harness))})  # fmt: skip
    assert harness.run(today=date(2026, 7, 11)).status == "succeeded"
    closed = harness.renewal("Analytics:2027-01-01")
    assert closed.props["dealstage"] == "closedlost"
    assert closed.props["hs_is_closed"] == "true"
    assert "Terminated" in closed.props["closed_lost_reason"]
    tasks = harness.tasks_of(closed.id)
    assert tasks
    assert {t.props["hs_task_status"] for t in tasks} == {"COMPLETED"}
    harness.sandbox.ledger.reset()
    harness.run(today=date(2026, 7, 11))
    assert harness.sandbox.ledger.writes == 0


def test_a_person_moving_the_stage_keeps_their_renewal(make_harness: MakeHarness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    renewal = harness.renewal("Analytics:2027-01-01")
    harness.person_updates("deals", renewal.id, {"dealstage": "contractsent"})
    _add_seats_upgrade(harness, 10, date(2026, 7, 1))
    harness.run(today=date(2026, 7, 2))
    after = harness.renewal("Analytics:2027-01-01").props
    assert after["dealstage"] == "contractsent"
    assert Decimal(after["amount"]) == Decimal("22500.00")
    assert Decimal(after["renewal_computed_amount"]) == Decimal("25350.00")
    (kept,) = [e for e in harness.store.errors.open("hubspot") if e.code == "HUMAN_EDIT_KEPT"]
    assert "dealstage" in kept.message


def test_an_automatic_renewal_past_its_end_is_closed_won_and_the_next_raised(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(worked_example_sandbox(contract(terms="automatic")))
    harness.run(today=date(2027, 1, 5))
    won = harness.renewal("Analytics:2027-01-01")
    nxt = harness.renewal("Analytics:2028-01-01").props
    assert won.props["dealstage"] == "closedwon"
    assert nxt["dealstage"] == "appointmentscheduled"
    assert nxt["renewed_deal_id"] == str(won.id)
    assert Decimal(nxt["amount"]) == Decimal("22500.00")
    harness.sandbox.ledger.reset()
    harness.run(today=date(2027, 1, 5))
    assert harness.sandbox.ledger.writes == 0


def test_company_rollups_show_health_arr_and_the_next_renewal(make_harness: MakeHarness) -> None:
    harness = make_harness(worked_example_sandbox())
    harness.run(today=date(2026, 6, 30))
    (company,) = harness.sandbox.records("companies")
    assert company.props["next_renewal_date"] == "2026-12-31"
    assert Decimal(company.props["open_renewal_amount"]) == Decimal("22500.00")
    assert Decimal(company.props["active_arr"]) == Decimal("22500.00")
    assert company.props["health_score"] == "80"  # only usage has data: 24 of 30 seats
    assert company.props["health_tier"] == "green"
    assert company.props["health_date"] == "2026-06-30"
