"""The records of a generated sandbox dataset, CRM-neutral.

The generator speaks in business terms (accounts, orders with lines, cases, NPS answers);
each sandbox's `load()` writes them as its own objects (Opportunity/OpportunityLineItem, or
deals/line_items). Money is yearly for recurring lines, as the domain spec says.

A dataset streams account by account so a million opportunities never sit in memory at once:
`crm_sandbox.datagen.iter_accounts(dataset)` regenerates the same records from the seed on
every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class GenUser:
    key: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class GenProduct:
    sku: str
    name: str
    product: str  # the product family a subscription is keyed on, e.g. "Analytics"
    kind: str  # plan | subscription | one_time | usage
    list_price: Decimal  # yearly for recurring kinds, per unit for one_time


@dataclass(frozen=True, slots=True)
class GenDiscount:
    kind: str  # recurring | one_time
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class GenLine:
    key: str
    sku: str
    kind: str
    quantity: int  # negative on an upgrade's delta line = removal
    unit_price: Decimal
    precommit: Decimal | None = None
    discounts: tuple[GenDiscount, ...] = ()


@dataclass(frozen=True, slots=True)
class GenOrder:
    key: str
    name: str
    account_key: str
    order_type: str  # new | upgrade | renewal | recast | termination
    product: str
    amends_key: str | None
    start_date: date
    end_date: date | None  # termination: the termination date, None = at the renewal date
    renewal_terms: str  # automatic | manual
    billed_to_date: Decimal
    status: str  # closed_won | open | closed_lost
    close_date: date
    lines: tuple[GenLine, ...]


@dataclass(frozen=True, slots=True)
class GenCase:
    key: str
    account_key: str
    subject: str
    priority: str  # High | Medium | Low
    closed: bool
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class GenNps:
    key: str
    account_key: str
    score: int  # 0..10, the survey answer
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class GenFeedback:
    key: str
    account_key: str
    survey: str  # CSAT | CES
    sentiment: str  # positive | neutral | negative
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class GenAccount:
    key: str
    name: str
    domain: str
    owner_key: str
    segment: str  # standard | high_touch | long_tail | public_sector
    licensed_seats: int
    active_seats: int


@dataclass(frozen=True, slots=True)
class AccountBundle:
    account: GenAccount
    orders: tuple[GenOrder, ...]
    cases: tuple[GenCase, ...]
    nps: tuple[GenNps, ...]
    feedback: tuple[GenFeedback, ...] = ()


@dataclass(frozen=True, slots=True)
class Dataset:
    """A recipe for the data, not the data: cheap to hold, replayable, identical per seed."""

    opportunities: int
    seed: int
    today: date
    users: tuple[GenUser, ...]
    products: tuple[GenProduct, ...]
