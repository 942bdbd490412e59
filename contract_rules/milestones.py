"""Milestone tasks of a renewal: due dates from a playbook, and the "first seen" rule.

A playbook (playbooks.py: the data admins edit) is a list of steps, each `days_before` the
current contract's end date. A due date on a weekend moves to the Friday before (a task due
on Sunday is read on Monday: too late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final

from contract_rules.playbooks import Playbook

_SATURDAY: Final = 5


@dataclass(frozen=True)
class Milestone:
    """A task to raise on the renewal: the step, and the day it is due."""

    key: str
    title: str
    days_before: int
    due_date: date

    def due_on(self, day: date) -> Milestone:
        """The same step, due on `day`."""
        return replace(self, due_date=day)


def business_day_on_or_before(day: date) -> date:
    """Saturday and Sunday move back to Friday; weekdays stay."""
    weekday = day.weekday()
    return day - timedelta(days=weekday - 4) if weekday >= _SATURDAY else day


def pick_playbook(
    playbooks: Mapping[str, Playbook], default_segment: str, segment: str | None
) -> Playbook:
    """The segment's playbook, or the default segment's when it has none (or no segment)."""
    found = playbooks.get(segment or default_segment)
    return found if found is not None else playbooks[default_segment]


def plan_milestones(end_date: date, playbook: Playbook) -> tuple[Milestone, ...]:
    """Every step of `playbook` with its due date, earliest first."""
    planned = [
        Milestone(
            key=step.key,
            title=step.title,
            days_before=step.days_before,
            due_date=business_day_on_or_before(end_date - timedelta(days=step.days_before)),
        )
        for step in playbook.steps
    ]
    return tuple(sorted(planned, key=lambda m: (m.due_date, -m.days_before, m.key)))


def milestones_to_raise(planned: Iterable[Milestone], first_seen: date) -> tuple[Milestone, ...]:
    """The tasks to create when the service first sees a contract on `first_seen`.

    Milestones already past are not raised late (a "plan the renewal" task 40 days overdue is
    noise), except the latest of them, which is still useful and is raised due `first_seen`.
    """
    ordered = sorted(planned, key=lambda m: (m.due_date, -m.days_before))
    past = [m for m in ordered if m.due_date < first_seen]
    upcoming = tuple(m for m in ordered if m.due_date >= first_seen)
    if not past:
        return upcoming
    return (past[-1].due_on(first_seen), *upcoming)
