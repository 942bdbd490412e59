"""A CRM-neutral view of a sandbox org and what people do in it, for the one pipeline suite.

The suite's scenarios run once per CRM (`tests/pipeline/conftest.py` parametrizes `crm`):
each test speaks to an `Org`, and `SalesforceOrg` / `HubSpotOrg` translate to the sandbox's
own records, field names and encodings (a HubSpot date is midnight UTC in milliseconds, a
Salesforce one a plain date). Only what a user of either CRM can see is in the views.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mappings import Mapping
from sync.core.ports import CrmPort
from sync.core.progress import NO_PROGRESS, Progress
from sync.pipeline.run import RunResult, run_once
from sync.settings import Settings
from sync.state import StateStore

TODAY = date(2026, 11, 21)
Wrap = Callable[[CrmPort], CrmPort]


@dataclass(frozen=True)
class RenewalView:
    """A renewal opportunity (Salesforce) or deal (HubSpot) as its user sees it."""

    id: str
    key: str
    amount: Decimal | None
    close_date: str | None  # YYYY-MM-DD
    stage: str  # open | won | lost
    stage_name: str  # the CRM's own stage value
    term_start: str | None
    term_end: str | None
    renews: str | None  # record id of the contract it renews
    owner: str | None
    ledger: str
    computed_amount: Decimal | None
    lapsed: bool
    loss_reason: str | None
    product: str | None = None


@dataclass(frozen=True)
class TaskView:
    id: str
    due: str  # YYYY-MM-DD
    completed: bool
    subject: str
    owner: str | None
    key: str = ""


@dataclass(frozen=True)
class AccountView:
    id: str
    owner: str | None
    next_renewal_date: str | None
    open_renewal_amount: Decimal | None
    active_arr: Decimal | None
    health_score: Decimal | None
    health_tier: str | None
    health_date: str | None
    health_parts: dict[str, Decimal] = field(default_factory=dict)  # part -> its 0-100 value


class Org(ABC):
    """One sandbox org or portal, its state store, and the real adapter wired to both."""

    crm: str
    stage_field: str  # the CRM field a person's stage move is reported under
    store: StateStore
    sandbox: Any

    mapping: Mapping
    today: date

    @abstractmethod
    def settings(self, **extra: Any) -> Settings:
        """The service's settings for this org, with `extra` on top."""

    @abstractmethod
    def port(self, **extra: Any) -> CrmPort:
        """A fresh adapter, logged in (back-off sleeps recorded, never slept)."""

    def run(
        self,
        *,
        dry_run: bool = False,
        wrap: Wrap | None = None,
        today: date | None = None,
        reconcile: bool = False,
        progress: Progress = NO_PROGRESS,
        **settings: Any,
    ) -> RunResult:
        """One run of the service; the sandbox clock moves a second first and is the run's
        clock, so cursors, modstamps and "today" are fixed by the test."""
        self.sandbox.clock.advance(timedelta(seconds=1))
        port = self.port(**settings)
        return run_once(
            self.settings(**settings),
            self.store,
            wrap(port) if wrap else port,
            self.mapping,
            today=today or self.today,
            dry_run=dry_run,
            clock=self.sandbox.clock.now,
            reconcile=reconcile,
            progress=progress,
        )

    @abstractmethod
    def with_store(self, store: StateStore) -> Org:
        """The same org seen by a second runner with its own store connection."""

    # -- what the CRM shows -------------------------------------------------------------

    @abstractmethod
    def renewals(self) -> list[RenewalView]: ...

    @abstractmethod
    def tasks_of(self, renewal_id: str) -> list[TaskView]: ...

    @abstractmethod
    def account(self, account_id: str | None = None) -> AccountView:
        """An account's roll-ups (the only account when no id is given)."""

    @abstractmethod
    def contract_id(self) -> str:
        """The record id of the one `new` order (the worked example's contract)."""

    @abstractmethod
    def lines_total(self, renewal_id: str) -> Decimal:
        """What the renewal's lines add up to for its whole term, as the CRM totals them."""

    @abstractmethod
    def service_keys(self) -> dict[str, Counter[str]]:
        """Keys of the service's records by kind (renewal, line, task), with their counts."""

    @abstractmethod
    def open_renewal_terms(self) -> Counter[tuple[str, str, str]]:
        """(account, product, term start) of every open renewal the service keeps."""

    @abstractmethod
    def crm_state(self) -> dict[str, Any]:
        """Everything a user sees, ids of the service's records replaced by their keys."""

    def renewal(self, product_and_start: str) -> RenewalView:
        """The one renewal of `product` for the term from `start` ("Analytics:2027-01-01"),
        found as a user would: by its product and term, whatever its key."""
        product, _, start = product_and_start.rpartition(":")
        (found,) = [r for r in self.renewals() if (r.product, r.term_start) == (product, start)]
        return found

    def writes(self) -> int:
        return int(self.sandbox.ledger.writes)

    def reset_ledger(self) -> None:
        self.sandbox.ledger.reset()

    # -- what a person does -------------------------------------------------------------

    @abstractmethod
    def person_books_upgrade(self, contract_id: str, seats: int, start: date) -> str: ...

    @abstractmethod
    def person_books_termination(self, contract_id: str, on: date) -> str: ...

    @abstractmethod
    def person_books_recast(
        self, contract_id: str, product: str, plan_sku: str, price: int, start: date, end: date
    ) -> str:
        """A recast of `contract_id` to one plan of `product` for `start`..`end`."""

    @abstractmethod
    def person_corrects_end_date(self, contract_id: str, end: date) -> None: ...

    @abstractmethod
    def person_changes_product(self, order_id: str, product: str) -> None: ...

    @abstractmethod
    def person_deletes_renewal(self, renewal_id: str) -> None: ...

    @abstractmethod
    def person_closes_renewal(self, renewal_id: str, *, won: bool) -> None:
        """A person closes a renewal won or lost, as the sales team does."""

    # -- what happens behind the service's back (what only reconciliation finds) --------

    @abstractmethod
    def restore_open_amount_untracked(self, account_id: str, amount: Decimal) -> None:
        """The account's open renewal amount set with its modstamp unchanged, as a restore
        from a backup keeping audit fields does: no incremental pull can see it."""

    @abstractmethod
    def purge(self, record_id: str) -> None:
        """A record gone for good, with no tombstone a pull could return (the recycle bin
        emptied, a HubSpot record deleted permanently)."""

    @abstractmethod
    def person_records_billing(self, order_id: str, billed: Decimal) -> None:
        """Set what was billed on the contract so far (the recast credit's base)."""

    @abstractmethod
    def recast_credit(self, order_id: str) -> tuple[Decimal | None, str]:
        """The credit and its note as written on a recast."""

    @abstractmethod
    def customer_answers_survey(self, account_id: str, sentiment: str, at: datetime) -> None:
        """A CSAT answer (positive | neutral | negative) arrives from the survey tool."""

    @abstractmethod
    def person_changes_list_price(self, sku: str, yearly: Decimal) -> None:
        """The price book's yearly price of one sku changes (a product's price in HubSpot)."""

    @abstractmethod
    def person_clears_seat_counts(self, account_id: str) -> None:
        """Blank the licensed and active seats: the usage part of health loses its data."""

    def rewind_keys(self, new: str, old: str) -> None:
        """Put back the keys an older version wrote: `new` (a renewal key) and the keys of
        its lines and tasks become `old...`, in the CRM and in the service's state."""
        for concept, moves in self._rekey_in_crm(new, old).items():
            self.store.written.rename(self.crm, concept, moves)
        self.store.seen.rename(self.crm, "renewal", {new: old})

    @abstractmethod
    def _rekey_in_crm(self, new: str, old: str) -> dict[str, dict[str, str]]:
        """Rewrite the key fields; the moves made, per concept."""

    @abstractmethod
    def person_moves_stage(self, renewal_id: str) -> str:
        """Move the renewal to a later open stage; returns the CRM's stage value."""

    @abstractmethod
    def person_deletes_task(self, task_id: str) -> None: ...

    @abstractmethod
    def person_changes_a_line_quantity(self, renewal_id: str, quantity: int) -> None:
        """Change the quantity of one of the renewal's lines (the one with the most units)."""

    @abstractmethod
    def person_creates_renewal(self, contract_id: str, amount: Decimal) -> str:
        """A renewal a person raised by hand for the worked example's 2027 term."""

    @abstractmethod
    def new_day_of_allowance(self) -> None:
        """The daily API allowance is back (a new day for the CRM)."""

    @abstractmethod
    def limit_calls_today(self, calls: int) -> None:
        """Only `calls` more API calls today; the next one is refused as over the limit."""

    @abstractmethod
    def lift_call_limit(self) -> None:
        """A new day with the default allowance."""


def term_years(start: str, end: str) -> int:
    """Whole years of a renewal term (HubSpot lines bill annually; the deal is the term)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end) + timedelta(days=1)
    months = (last.year - first.year) * 12 + last.month - first.month
    assert months % 12 == 0, (start, end)
    return months // 12


def money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def health_parts(text: str | None) -> dict[str, Decimal]:
    """The roll-up's parts (compact JSON) as part -> 0-100 value."""
    return {k: Decimal(v["value"]) for k, v in json.loads(text).items()} if text else {}
