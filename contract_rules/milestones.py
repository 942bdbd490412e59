"""Milestone tasks of a renewal: due dates from a playbook, and the "first seen" rule.

A playbook (playbooks.py: the data admins edit) is a list of steps, each `days_before` the
current contract's end date. A due date on a weekend moves to the Friday before (a task due
on Sunday is read on Monday: too late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

from contract_rules.playbooks import Playbook

_SATURDAY: Final = 5


class Milestone:
    """A task to raise on the renewal: the step, and the day it is due. Compared by value."""

    __slots__ = ("days_before", "due_date", "key", "title")

    def __init__(self, key: str, title: str, days_before: int, due_date: date) -> None:
        self.key: Final = key
        self.title: Final = title
        self.days_before: Final = days_before
        self.due_date: Final = due_date

    def due_on(self, day: date) -> Milestone:
        """The same step, due on `day`."""
        return Milestone(self.key, self.title, self.days_before, day)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Milestone):
            return NotImplemented
        return (self.key, self.title, self.days_before, self.due_date) == (
            other.key,
            other.title,
            other.days_before,
            other.due_date,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.title, self.days_before, self.due_date))

    def __repr__(self) -> str:
        return f"Milestone({self.key!r}, {self.title!r}, {self.days_before!r}, {self.due_date!r})"


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


_CACHE_SIZE: Final = 65_536
_PLANNED: Final[dict[tuple[date, int], tuple[Playbook, tuple[Milestone, ...]]]] = {}


def _plan(end_date: date, playbook: Playbook) -> tuple[Milestone, ...]:
    planned = [
        Milestone(key, title, days, business_day_on_or_before(end_date - timedelta(days=days)))
        for key, title, days in _steps(playbook)
    ]
    return tuple(sorted(planned, key=_by_due_date))


def _by_due_date(m: Milestone) -> tuple[date, int, str]:
    return (m.due_date, -m.days_before, m.key)


def _steps(playbook: Playbook) -> tuple[tuple[str, str, int], ...]:
    """The steps as plain values, read from the pydantic model once per playbook: a compiled
    read of a model field is a generic look-up, and end dates vary more than playbooks."""
    cached = _STEPS.get(id(playbook))
    if cached is not None and cached[0] is playbook:
        return cached[1]
    if len(_STEPS) >= _CACHE_SIZE:  # settings reloaded many times: new playbook objects
        _STEPS.clear()
    steps = tuple((step.key, step.title, step.days_before) for step in playbook.steps)
    _STEPS[id(playbook)] = (playbook, steps)
    return steps


_STEPS: Final[dict[int, tuple[Playbook, tuple[tuple[str, str, int], ...]]]] = {}


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
