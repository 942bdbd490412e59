"""Validation as values: a rejected order is reported, and the run goes on.

Each error names the order, says what is wrong, and says what to fix. The subscription keeps
its last valid state; other subscriptions are unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable codes, so admins can filter and tests can assert."""

    CROSS_PRODUCT_UPGRADE = "cross_product_upgrade"
    UPGRADE_OUTSIDE_CONTRACT = "upgrade_outside_contract"
    REMOVAL_EXCEEDS_OWNED = "removal_exceeds_owned"
    TERMINATION_AFTER_END = "termination_after_end"
    TERMINATION_BEFORE_START = "termination_before_start"
    UNKNOWN_AMENDED_ORDER = "unknown_amended_order"
    OVERLAPPING_CONTRACTS = "overlapping_contracts"
    AMENDS_REPLACED_CONTRACT = "amends_replaced_contract"
    AMENDS_TERMINATED_CONTRACT = "amends_terminated_contract"
    AMENDS_INVALID_ORDER = "amends_invalid_order"
    RECAST_OUTSIDE_CONTRACT = "recast_outside_contract"
    NOTHING_TO_AMEND = "nothing_to_amend"
    DUPLICATE_ORDER_ID = "duplicate_order_id"


@dataclass(frozen=True, slots=True)
class OrderError:
    """One rejected order: which, why (`code`), and a sentence that says what to fix."""

    order_id: str
    code: ErrorCode
    message: str
