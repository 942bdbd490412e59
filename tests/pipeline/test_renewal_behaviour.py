"""What a user of either CRM sees: amounts, follow-ups, a person's edit, terminations,
adoption, automatic and lapsed renewals, account roll-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.pipeline.conftest import MakeOrg
from tests.pipeline.scenarios import contract

D = Decimal
WORKED_EXAMPLE: tuple[()] = ()  # the worked example's own contract (scenarios.contract())


def test_the_renewal_carries_the_worked_example_amount(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.amount == D("22500.00")
    assert renewal.close_date == "2026-12-31"
    assert (renewal.term_start, renewal.term_end) == ("2027-01-01", "2027-12-31")
    assert renewal.renews == org.contract_id()
    assert renewal.stage == "open"
    assert renewal.owner == org.account().owner
    assert "one-time" in renewal.ledger


def test_the_renewal_lines_add_up_to_its_amount(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    renewal = org.renewal("Analytics:2027-01-01")
    assert org.lines_total(renewal.id) == renewal.amount


def test_an_upgrade_moves_the_renewal_amount(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    org.person_books_upgrade(org.contract_id(), 10, date(2026, 7, 1))
    assert org.run(today=date(2026, 7, 2)).status == "succeeded"
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.amount == D("25350.00")
    assert org.lines_total(renewal.id) == D("25350.00")
    assert len(org.renewals()) == 1


def test_upgrade_after_a_person_moved_the_stage_keeps_the_human_renewal(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    moved_to = org.person_moves_stage(org.renewal("Analytics:2027-01-01").id)
    org.person_books_upgrade(org.contract_id(), 10, date(2026, 7, 1))
    org.run(today=date(2026, 7, 2))
    after = org.renewal("Analytics:2027-01-01")
    assert after.stage_name == moved_to
    assert after.amount == D("22500.00")
    assert after.computed_amount == D("25350.00")
    (kept,) = [e for e in org.store.errors.open(org.crm) if e.code == "HUMAN_EDIT_KEPT"]
    assert org.stage_field in kept.message


def test_milestone_tasks_fall_on_weekdays_150_90_60_days_out(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    renewal = org.renewal("Analytics:2027-01-01")
    tasks = org.tasks_of(renewal.id)
    # 2026-12-31 minus 150 / 90 / 60 days = Aug 3 (Mon), Oct 2 (Fri), Nov 1 (Sun -> Fri Oct 30)
    assert sorted(t.due for t in tasks) == ["2026-08-03", "2026-10-02", "2026-10-30"]
    assert {t.owner for t in tasks} == {org.account().owner}
    assert not any(t.completed for t in tasks)


def test_past_milestones_are_not_raised_late_except_the_latest_due_today(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 10, 15))  # past 150 and 90 days out, before 60 days out
    tasks = sorted(org.tasks_of(org.renewal("Analytics:2027-01-01").id), key=lambda t: t.due)
    assert [t.due for t in tasks] == ["2026-10-15", "2026-10-30"]
    assert tasks[0].subject.startswith("Send the renewal quote")


def test_each_task_exists_once_even_when_a_person_deletes_it(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    renewal = org.renewal("Analytics:2027-01-01")
    org.person_deletes_task(org.tasks_of(renewal.id)[0].id)
    org.run(today=date(2026, 7, 1))
    assert len(org.tasks_of(renewal.id)) == 2


def test_a_termination_closes_the_renewal_lost_and_its_tasks(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    org.person_books_termination(org.contract_id(), date(2026, 7, 10))
    assert org.run(today=date(2026, 7, 11)).status == "succeeded"
    closed = org.renewal("Analytics:2027-01-01")
    assert closed.stage == "lost"
    assert "Terminated" in (closed.loss_reason or "")
    tasks = org.tasks_of(closed.id)
    assert tasks
    assert all(t.completed for t in tasks)
    org.reset_ledger()
    org.run(today=date(2026, 7, 11))
    assert org.writes() == 0


def test_a_renewal_a_person_created_is_adopted_not_duplicated(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    theirs = org.person_creates_renewal(org.contract_id(), D(20000))
    org.run(today=date(2026, 6, 30))
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.id == theirs
    assert renewal.amount == D("20000.00")  # a person's amount is theirs
    assert renewal.computed_amount == D("22500.00")
    assert len(org.renewals()) == 1


def test_an_automatic_renewal_past_its_end_is_closed_won_and_the_next_raised(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=(contract(terms="automatic"),))
    org.run(today=date(2027, 1, 5))
    won = org.renewal("Analytics:2027-01-01")
    nxt = org.renewal("Analytics:2028-01-01")
    assert won.stage == "won"
    assert nxt.stage == "open"
    assert nxt.renews == won.id
    assert nxt.amount == D("22500.00")
    org.reset_ledger()
    org.run(today=date(2027, 1, 5))
    assert org.writes() == 0


def test_a_manual_renewal_past_its_end_is_flagged_lapsed(make_org: MakeOrg) -> None:
    org = make_org(orders=(contract(terms="manual"),))
    org.run(today=date(2027, 1, 5))
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.lapsed is True
    assert renewal.stage == "open"


def test_account_rollups_show_health_arr_and_the_next_renewal(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    account = org.account()
    assert account.next_renewal_date == "2026-12-31"
    assert account.open_renewal_amount == D("22500.00")
    assert account.active_arr == D("22500.00")
    assert account.health_score == 80  # only usage has data: 24 of 30 seats
    assert account.health_tier == "green"
    assert account.health_date == "2026-06-30"


def test_a_manual_contract_long_expired_when_first_seen_gets_no_renewal(make_org: MakeOrg) -> None:
    org = make_org(orders=(contract(terms="manual"),))
    org.run(today=date(2027, 6, 30))  # ended six months before the service saw it
    assert org.renewals() == []
