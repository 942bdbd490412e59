"""Milestone playbooks: the data admins edit (a list of steps per customer segment).

Pydantic models, validated where settings are loaded. Kept apart from the planning in
milestones.py, which is pure logic;
pydantic models.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


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
