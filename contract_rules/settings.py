"""Rule settings: every choice the domain spec leaves to the admin, typed, with defaults.

Defaults follow the domain spec; docs/rules.md explains each alternative.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract_rules.milestones import pick_playbook
from contract_rules.playbooks import DEFAULT_PLAYBOOKS, Playbook


class UpgradeLines(StrEnum):
    """How upgrade lines are recorded in the CRM."""

    DELTA = "delta"  # only what changed; a removal is a negative quantity, matched by sku
    FULL_SET = "full_set"  # the whole new set of lines replaces the contract's lines


class PricingMethod(StrEnum):
    """Which prices the expected renewal spend uses."""

    SAME = "same"  # the contract's own prices: the customer is grandfathered
    LIST = "list"  # today's price book (`list_prices` by sku)
    UPLIFT = "uplift"  # the contract's prices raised by `uplift_percent`


class CreditPolicy(StrEnum):
    """How unconsumed, already-billed service becomes a recast credit."""

    BY_DAY = "by_day"  # domain spec default: consumption prorated by day
    BY_MONTH = "by_month"  # every started month counts as consumed in full


class RuleSettings(BaseModel):
    """Everything the rules need besides the orders and the date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upgrade_lines: UpgradeLines = UpgradeLines.DELTA
    pricing: PricingMethod = PricingMethod.SAME
    uplift_percent: Decimal = Field(default=Decimal(0), ge=-100)
    list_prices: dict[str, Decimal] = Field(default_factory=dict)
    credit_policy: CreditPolicy = CreditPolicy.BY_DAY
    auto_close_automatic_renewals: bool = True
    playbooks: dict[str, Playbook] = Field(default_factory=lambda: dict(DEFAULT_PLAYBOOKS))
    default_segment: str = "standard"

    @model_validator(mode="after")
    def _default_playbook_exists(self) -> Self:
        if self.default_segment not in self.playbooks:
            msg = f"no playbook for the default segment {self.default_segment!r}; add one"
            raise ValueError(msg)
        return self

    def playbook_for(self, segment: str | None) -> Playbook:
        """The segment's playbook, or the default segment's when it has none."""
        return pick_playbook(self.playbooks, self.default_segment, segment)
