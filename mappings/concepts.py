"""The concept tables: which canonical fields each concept has, their types and policies.

Everything the loader validates, the translator coerces and the describe check compares is
read from these tables, so adding a canonical field is one line here, not a new code path.
Canonical names are CRM-neutral; CRM field names live only in mapping files.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from contract_rules import BrickKind, OrderStatus, OrderType, RenewalTerms


class Kind(StrEnum):
    """The canonical type of a field: decides coercion, value maps and describe checks."""

    ID = "id"  # a record id or a lookup to one
    TEXT = "text"
    NUMBER = "number"  # a plain quantity (seats, a score, a percent)
    MONEY = "money"  # a flat amount (billed to date, an opportunity amount)
    RATE = "rate"  # recurring money: canonical is yearly, `per` converts (domain spec)
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    ENUM = "enum"  # one of `choices`; CRM values reach it through `values`


class Policy(StrEnum):
    """When the service may write a field (docs/mappings.md, "Write policies")."""

    ALWAYS = "always"
    IF_BLANK = "if_blank"
    UNLESS_EDITED = "unless_edited"


class Unit(StrEnum):
    """The period a CRM money field is stated in; canonical recurring money is yearly."""

    YEAR = "year"
    HALF_YEAR = "half_year"
    QUARTER = "quarter"
    MONTH = "month"
    TERM = "term"  # the whole term of the order: needs the term's length in months


PER_YEAR: dict[Unit, Decimal] = {
    Unit.YEAR: Decimal(1),
    Unit.HALF_YEAR: Decimal(2),
    Unit.QUARTER: Decimal(4),
    Unit.MONTH: Decimal(12),
}
"""How many of each unit make a year; `term` depends on the order (12 / term months)."""

CRMS = ("salesforce", "hubspot")
CURRENT_VERSION = 2


@dataclass(frozen=True, slots=True)
class Canonical:
    """One canonical field of a concept.

    `required`: the mapping must map it. `essential`: on read, a record cannot be trusted
    without it, so when the CRM field disappears (drift) the whole concept is skipped rather
    than the field dropped. `policy`: the write policy when the mapping names none.
    `need`: the end of the sentence an admin reads when a record has no value for it.
    """

    kind: Kind
    required: bool = False
    essential: bool = False
    choices: tuple[str, ...] = ()
    policy: Policy = Policy.ALWAYS
    need: str = ""


def _enum(values: type[StrEnum], *, required: bool = False, need: str = "") -> Canonical:
    choices = tuple(v.value for v in values)
    return Canonical(Kind.ENUM, required, True, choices, need=need)


def _req(kind: Kind, need: str) -> Canonical:
    return Canonical(kind, required=True, essential=True, need=need)


def _ess(kind: Kind) -> Canonical:
    return Canonical(kind, essential=True)


_ID, _TEXT, _BOOL = Canonical(Kind.ID), Canonical(Kind.TEXT), Canonical(Kind.BOOL)
_DATE, _DATETIME, _MONEY = Canonical(Kind.DATE), Canonical(Kind.DATETIME), Canonical(Kind.MONEY)
_NUMBER = Canonical(Kind.NUMBER)

READ: dict[str, dict[str, Canonical]] = {
    "account": {
        "id": _req(Kind.ID, "every record needs its id"),
        "name": _TEXT,
        "owner_id": _ID,
        "segment": _TEXT,
        "licensed_seats": _NUMBER,
        "active_seats": _NUMBER,
        "match_key": _TEXT,
        "domain": _TEXT,
    },
    "order": {
        "id": _req(Kind.ID, "every record needs its id"),
        "account_id": _req(Kind.ID, "an order belongs to an account"),
        "type": _enum(OrderType, required=True, need="the order type decides what it does"),
        "status": _enum(OrderStatus, required=True, need="only closed-won orders count"),
        "product": _req(Kind.TEXT, "the product groups orders into a subscription"),
        "amends": _ess(Kind.ID),
        "start_date": _req(Kind.DATE, "every order needs a start date"),
        "end_date": _ess(Kind.DATE),
        "renewal_terms": _enum(RenewalTerms),
        "billed_to_date": Canonical(Kind.MONEY, essential=True),
        "owner_id": _ID,
        "amount": _MONEY,
        "stage": _TEXT,
        "sync_key": _TEXT,
        "renews": _ID,
        "name": _TEXT,
        "is_closed": _BOOL,
        "close_date": _DATE,
        "loss_reason": _TEXT,
    },
    "line": {
        "id": _req(Kind.ID, "every record needs its id"),
        "order_id": _req(Kind.ID, "a line belongs to an order"),
        "sku": _req(Kind.TEXT, "lines are matched by sku across orders"),
        "kind": _enum(BrickKind, required=True, need="the brick kind decides what renews"),
        "quantity": _ess(Kind.NUMBER),
        "unit_price": _ess(Kind.RATE),
        "precommit": _ess(Kind.RATE),
        "sync_key": _TEXT,
        "description": _TEXT,
        "name": _TEXT,
        "price_entry_id": _ID,
        "product_id": _ID,
    },
    "price": {
        "id": _req(Kind.ID, "every record needs its id"),
        "sku": _req(Kind.TEXT, "list prices are looked up by sku"),
        "unit_price": _req(Kind.RATE, "a price entry needs its price"),
        "pricebook_id": _ID,
        "product_id": _ID,
        "is_standard": _BOOL,
        "is_active": _BOOL,
    },
    "user": {
        "id": _req(Kind.ID, "every record needs its id"),
        "name": _TEXT,
        "email": _TEXT,
        "username": _TEXT,
        "is_active": _BOOL,
    },
    "case": {
        "id": _req(Kind.ID, "every record needs its id"),
        "account_id": _req(Kind.ID, "a case counts toward its account's health"),
        "priority": Canonical(Kind.ENUM, choices=("high", "medium", "low")),
        "status": _TEXT,
        "subject": _TEXT,
        "is_closed": _BOOL,
        "created_at": _DATETIME,
        "closed_at": _DATETIME,
    },
    "nps": {
        "id": _req(Kind.ID, "every record needs its id"),
        "account_id": _req(Kind.ID, "a response counts toward its account's health"),
        "score": _req(Kind.NUMBER, "an NPS response needs its 0-10 score"),
        "responded_at": _DATETIME,
    },
    "feedback": {
        "id": _req(Kind.ID, "every record needs its id"),
        "account_id": _req(Kind.ID, "an answer counts toward its account's health"),
        "sentiment": Canonical(
            Kind.ENUM,
            required=True,
            essential=True,
            choices=("positive", "neutral", "negative"),
            need="a survey answer counts by its sentiment",
        ),
        "responded_at": _DATETIME,
    },
}

REQUIRED_READ = ("account", "order", "line")
DISCOUNT_CONCEPT = "line"
ORDER_CONTRACT_TYPES = ("new", "renewal", "recast")


def _w(
    kind: Kind, policy: Policy, *, required: bool = False, choices: tuple[str, ...] = ()
) -> Canonical:
    return Canonical(kind, required, required, choices, policy)


_A, _B, _U = Policy.ALWAYS, Policy.IF_BLANK, Policy.UNLESS_EDITED

WRITE: dict[str, dict[str, Canonical]] = {
    "renewal": {
        "name": _w(Kind.TEXT, _B),
        "account_id": _w(Kind.ID, _A, required=True),
        "owner_id": _w(Kind.ID, _B),
        "amount": _w(Kind.MONEY, _U, required=True),
        "close_date": _w(Kind.DATE, _U, required=True),
        "stage": _w(Kind.ENUM, _U, required=True, choices=("open", "won", "lost")),
        "renews_order_id": _w(Kind.ID, _A),
        "term_start": _w(Kind.DATE, _U),
        "term_end": _w(Kind.DATE, _U),
        "renewal_terms": _w(Kind.ENUM, _U, choices=("automatic", "manual")),
        "product": _w(Kind.TEXT, _A),
        "lapsed": _w(Kind.BOOL, _A),
        "computed_amount": _w(Kind.MONEY, _A),
        "ledger": _w(Kind.TEXT, _A),
        "loss_reason": _w(Kind.TEXT, _B),
        "pricebook_id": _w(Kind.ID, _B),
    },
    "renewal_line": {
        "renewal_id": _w(Kind.ID, _B, required=True),
        "renewal_key": _w(Kind.TEXT, _B),
        "sku": _w(Kind.TEXT, _B),
        "name": _w(Kind.TEXT, _B),
        "kind": _w(Kind.ENUM, _B, choices=tuple(k.value for k in BrickKind)),
        "price_entry_id": _w(Kind.ID, _B),
        "product_id": _w(Kind.ID, _B),
        "quantity": _w(Kind.NUMBER, _U, required=True),
        "unit_price": _w(Kind.RATE, _U, required=True),
        "discount_percent": _w(Kind.NUMBER, _U),
        "discount_amount": _w(Kind.RATE, _U),
        "precommit": _w(Kind.RATE, _U),
        "description": _w(Kind.TEXT, _A),
        "term_months": _w(Kind.NUMBER, _U),
    },
    "task": {
        "renewal_id": _w(Kind.ID, _B, required=True),
        "account_id": _w(Kind.ID, _B),
        "owner_id": _w(Kind.ID, _B),
        "subject": _w(Kind.TEXT, _B, required=True),
        "description": _w(Kind.TEXT, _A),
        "due_date": _w(Kind.DATE, _U, required=True),
        "status": _w(Kind.ENUM, _U, required=True, choices=("open", "completed")),
    },
    "account_rollup": {
        "health_score": _w(Kind.NUMBER, _A),
        "health_tier": _w(Kind.ENUM, _A, choices=("green", "yellow", "red")),
        "health_parts": _w(Kind.TEXT, _A),
        "health_date": _w(Kind.DATE, _A),
        "active_arr": _w(Kind.MONEY, _A),
        "next_renewal_date": _w(Kind.DATE, _A),
        "open_renewal_amount": _w(Kind.MONEY, _A),
    },
    "recast_credit": {
        "credit": _w(Kind.MONEY, _A, required=True),
        "note": _w(Kind.TEXT, _A),
    },
}

REQUIRED_WRITE = ("renewal", "task", "account_rollup")

WRITE_KEY: dict[str, str] = {
    "renewal": "key",
    "renewal_line": "key",
    "task": "key",
    "account_rollup": "account_id",
    "recast_credit": "order_id",
}
"""Which intent attribute holds the value of a write concept's `key_field`."""

DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "order": ("line",),
    "line": ("order",),
    "renewal": ("order", "line"),
    "renewal_line": ("renewal", "line"),
    "task": ("renewal",),
    "account_rollup": ("account",),
    "recast_credit": ("order", "line"),
}
"""When a concept is skipped (drift), everything that depends on it is skipped too.

Orders and lines depend on each other: an order read without its lines (or lines without
their order) would price a renewal wrongly, which is worse than not pricing it this run.
"""

ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("deals", "companies"): 5,
    ("line_items", "deals"): 20,
    ("tasks", "deals"): 216,
    ("tasks", "companies"): 192,
}
"""HubSpot-defined association type ids (from object, to object) used when a write field
names an `association` without a `type_id`."""
