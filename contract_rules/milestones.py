"""Milestone tasks of a renewal: playbooks as data, due dates, the "first seen" rule.

A playbook is a list of steps, each `days_before` the current contract's end date. A due date
on a weekend moves to the Friday before (a task due on Sunday is read on Monday: too late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

_SATURDAY = 5


class MilestoneStep(BaseModel):
    """One step of a playbook: a task `days_before` the end date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    title: str = Field(min_length=1)
    days_before: int = Field(ge=0)


class Playbook(BaseModel):
    """The steps of one segment, in any order (they are sorted by due date when planned)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    steps: tuple[MilestoneStep, ...]


class Milestone(NamedTuple):
    """A task to raise on the renewal: the step, and the day it is due."""

    key: str
    title: str
    days_before: int
    due_date: date


def _step(key: str, title: str, days: int) -> MilestoneStep:
    return MilestoneStep(key=key, title=title, days_before=days)


_PLAN = _step("plan", "Plan the renewal", 150)
_QUOTE = _step("quote", "Send the renewal quote", 90)
_NEGOTIATE = _step("negotiate", "Start negotiation", 60)

DEFAULT_PLAYBOOKS: Mapping[str, Playbook] = {
    "standard": Playbook(name="standard", steps=(_PLAN, _QUOTE, _NEGOTIATE)),
    "high_touch": Playbook(
        name="high_touch",
        steps=(_step("business_review", "Hold a business review", 180), _PLAN, _QUOTE, _NEGOTIATE),
    ),
    "long_tail": Playbook(
        name="long_tail",
        steps=(
            _step("reminder_60", "Renewal reminder: 60 days", 60),
            _step("reminder_10", "Renewal reminder: 10 days", 10),
            _step("reminder_0", "Renewal reminder: renewal day", 0),
        ),
    ),
    "public_sector": Playbook(
        name="public_sector",
        steps=(_PLAN, _step("quote", "Send the renewal quote", 120), _NEGOTIATE),
    ),
}


def business_day_on_or_before(day: date) -> date:
    """Saturday and Sunday move back to Friday; weekdays stay."""
    weekday = day.weekday()
    return day - timedelta(days=weekday - 4) if weekday >= _SATURDAY else day


def plan_milestones(end_date: date, playbook: Playbook) -> tuple[Milestone, ...]:
    """Every step of `playbook` with its due date, earliest first.

    Memoised per (end date, playbook object): contracts cluster on month ends, and the cache
    keeps a reference to the playbook so its id cannot be reused while cached.
    """
    key = (end_date, id(playbook))
    cached = _PLANNED.get(key)
    if cached is not None and cached[0] is playbook:
        return cached[1]
    if len(_PLANNED) >= _CACHE_SIZE:
        _PLANNED.clear()
    planned = _plan(end_date, playbook)
    _PLANNED[key] = (playbook, planned)
    return planned


_CACHE_SIZE = 65_536
_PLANNED: dict[tuple[date, int], tuple[Playbook, tuple[Milestone, ...]]] = {}


def _plan(end_date: date, playbook: Playbook) -> tuple[Milestone, ...]:
    planned = (
        Milestone(
            step.key,
            step.title,
            step.days_before,
            business_day_on_or_before(end_date - timedelta(days=step.days_before)),
        )
        for step in playbook.steps
    )
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
    return (past[-1]._replace(due_date=first_seen), *upcoming)
