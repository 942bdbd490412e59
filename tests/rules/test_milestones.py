"""Milestones: default playbook, weekends, segment playbooks, and the first-seen rule."""

from __future__ import annotations

from datetime import date

from contract_rules import (
    DEFAULT_PLAYBOOKS,
    RuleSettings,
    business_day_on_or_before,
    milestones_to_raise,
    plan_milestones,
)

END = date(2026, 12, 31)


def _due(segment: str, end: date = END) -> dict[str, date]:
    return {m.key: m.due_date for m in plan_milestones(end, DEFAULT_PLAYBOOKS[segment])}


def test_default_playbook_is_150_90_60_days_before_the_end():
    assert _due("standard") == {
        "plan": date(2026, 8, 3),
        "quote": date(2026, 10, 2),
        "negotiate": date(2026, 10, 30),  # Nov 1 is a Sunday
    }


def test_weekend_due_dates_move_to_the_friday_before():
    assert business_day_on_or_before(date(2026, 10, 31)) == date(2026, 10, 30)  # Saturday
    assert business_day_on_or_before(date(2026, 11, 1)) == date(2026, 10, 30)  # Sunday
    assert business_day_on_or_before(date(2026, 11, 2)) == date(2026, 11, 2)  # Monday


def test_high_touch_adds_a_business_review_at_180_days():
    assert _due("high_touch")["business_review"] == date(2026, 7, 3)
    assert len(_due("high_touch")) == 4


def test_long_tail_reminds_at_60_10_and_0_days():
    days = [m.days_before for m in plan_milestones(END, DEFAULT_PLAYBOOKS["long_tail"])]
    assert days == [60, 10, 0]
    assert _due("long_tail")["reminder_0"] == END  # a Thursday


def test_public_sector_quotes_at_120_days():
    assert _due("public_sector")["quote"] == date(2026, 9, 2)


def test_unknown_segment_uses_the_default_playbook():
    assert RuleSettings().playbook_for("enterprise-emea").name == "standard"


def test_past_milestones_are_not_raised_late_except_the_latest_due_today():
    planned = plan_milestones(END, DEFAULT_PLAYBOOKS["standard"])
    raised = milestones_to_raise(planned, first_seen=date(2026, 10, 15))
    assert [(m.key, m.due_date) for m in raised] == [
        ("quote", date(2026, 10, 15)),
        ("negotiate", date(2026, 10, 30)),
    ]


def test_a_contract_seen_early_raises_every_milestone_as_planned():
    planned = plan_milestones(END, DEFAULT_PLAYBOOKS["standard"])
    assert milestones_to_raise(planned, first_seen=date(2026, 1, 1)) == planned
