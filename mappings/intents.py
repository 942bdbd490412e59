"""Canonical write intents: what the pipeline wants a CRM record to say, in neutral words.

`contract_rules` decides (a `Renewal`, `Milestone`s, a `HealthScore`); the pipeline turns those
decisions into these intents; `mappings.render` turns an intent into a CRM payload through the
mapping. Attribute names are the canonical write field names of `mappings.concepts.WRITE`,
so a mapping file's `write.<concept>.fields` keys are exactly these attributes.

A `None` attribute means "nothing to say": the field is left as it is in the CRM. Money is
`Decimal`, yearly for rates (unit prices, precommits, recurring amount discounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class RenewalIntent:
    """The one open renewal opportunity of a subscription (or its closing).

    `computed_amount` is always the service's own figure: when a person's amount is kept
    (policy `unless_edited`), the CRM still shows what the service computed next to it.
    """

    concept: ClassVar[str] = "renewal"

    key: str
    account_id: str
    amount: Decimal | None  # None when closing: the amount is left as it is
    close_date: date | None
    stage: str  # open | won | lost
    name: str | None = None
    owner_id: str | None = None
    renews_order_id: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    renewal_terms: str | None = None  # automatic | manual
    product: str | None = None
    lapsed: bool | None = None
    computed_amount: Decimal | None = None
    ledger: str | None = None
    loss_reason: str | None = None
    pricebook_id: str | None = None


@dataclass(frozen=True, slots=True)
class RenewalLineIntent:
    """One line of a renewal: what renews, at which yearly price.

    `renewal_id` is the renewal's CRM id (known once the renewal is upserted); `term_months`
    serves mappings that write prices `per: term`.
    """

    concept: ClassVar[str] = "renewal_line"

    key: str
    renewal_id: str
    quantity: Decimal
    unit_price: Decimal
    renewal_key: str | None = None
    sku: str | None = None
    name: str | None = None
    kind: str | None = None
    price_entry_id: str | None = None
    product_id: str | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    precommit: Decimal | None = None
    description: str | None = None
    term_months: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaskIntent:
    """One milestone task on a renewal."""

    concept: ClassVar[str] = "task"

    key: str
    renewal_id: str
    subject: str | None  # None when closing a task: the subject is left as it is
    due_date: date | None
    status: str = "open"  # open | completed
    account_id: str | None = None
    owner_id: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AccountRollupIntent:
    """Health and renewal roll-ups written onto the account itself."""

    concept: ClassVar[str] = "account_rollup"
    clearable: ClassVar[frozenset[str]] = frozenset(
        {"health_score", "health_tier", "health_parts", "next_renewal_date", "open_renewal_amount"}
    )
    """Fields whose None means "no value any more": cleared in the CRM, never left at their
    last value (domain spec: roll-ups follow the data). Elsewhere None means "say nothing"."""

    account_id: str
    health_score: Decimal | None = None
    health_tier: str | None = None  # green | yellow | red
    health_parts: str | None = None
    health_date: date | None = None
    active_arr: Decimal | None = None
    next_renewal_date: date | None = None
    open_renewal_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RecastCreditIntent:
    """The credit a recast carries for the contract it replaced, written on the recast
    (domain spec, "Recast credit": written into the CRM with the contract it replaced)."""

    concept: ClassVar[str] = "recast_credit"

    order_id: str  # the recast's CRM id
    credit: Decimal
    replaces_order_id: str
    note: str


Intent = RenewalIntent | RenewalLineIntent | TaskIntent | AccountRollupIntent | RecastCreditIntent
