"""The HubSpot portal of the pipeline suite: a sandbox, a state store and the real adapter.

Each run moves the sandbox clock one second and uses it as the run's start, so cursors,
`hs_lastmodifieddate` and "today" are fixed by the test. One fake monotonic clock drives both
ten-second windows (the sandbox's and the adapter's); the adapter's sleeps move it and are
recorded, never slept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.hubspot.associations import TYPES
from crm_sandbox.hubspot.loader import Loader, feedback_submission
from crm_sandbox.hubspot.store import Record
from crm_sandbox.records import GenFeedback
from crm_sandbox.server import ServedApp
from mappings import Mapping, load_default
from sync.connectors.hubspot import HubSpotAdapter, RetryPolicy, connect_hubspot
from sync.settings import Settings
from sync.state import StateStore
from tests.clocks import FakeTime
from tests.pipeline.orgs import (
    TODAY,
    AccountView,
    Org,
    RenewalView,
    TaskView,
    health_parts,
)

CENT = Decimal("0.01")
KEY = "renewal_sync_key"
OBJECTS = {"renewal": "deals", "renewal_line": "line_items", "task": "tasks"}
# HubSpot association type ids (docs/sandbox-hubspot.md)
DEAL_TO_COMPANY, LINE_TO_DEAL = 5, 20
FAST = RetryPolicy(attempts=6, lock_attempts=6, initial_wait=0.01, max_wait=0.05, jitter=0.0)
NO_WINDOW = 100_000  # calls per ten seconds when a test is not about the rate limit


@dataclass
class HubSpotOrg(Org):
    sandbox: HubSpotSandbox
    served: ServedApp
    store: StateStore
    time: FakeTime
    mapping: Mapping = field(default_factory=lambda: load_default("hubspot"))
    today: date = TODAY
    policy: RetryPolicy = FAST
    last_port: HubSpotAdapter | None = None
    crm = "hubspot"
    stage_field = "dealstage"

    def settings(self, **extra: Any) -> Settings:
        values: dict[str, Any] = {
            "crm": "hubspot",
            "hubspot_access_token": self.sandbox.token,
            "hubspot_api_host": self.served.url,
            "hubspot_ten_second_limit": NO_WINDOW,
            "database_url": "sqlite:///unused.db",
            "today": self.today,
            **extra,
        }
        return Settings(**values)

    def port(self, **extra: Any) -> HubSpotAdapter:
        self.last_port = connect_hubspot(
            self.settings(**extra), sleep=self.time.sleep, policy=self.policy,
            monotonic=self.time.monotonic,
        )  # fmt: skip
        return self.last_port

    # -- what a person does in the portal ------------------------------------------------

    def person_creates(
        self, object_type: str, props: dict[str, Any], links: dict[int, str] | None = None
    ) -> str:
        """Store a record as a person's edit would, linked by association type id -> id."""
        self.sandbox.clock.advance(timedelta(seconds=1))
        state = self.sandbox.state
        with self.sandbox.portal.lock:
            values = {k: str(v) for k, v in props.items()}
            record = state.store(object_type).insert(values, self.sandbox.clock.now())
            for type_id, to_id in (links or {}).items():
                state.associations.add(TYPES[(object_type, type_id)], record.id, int(to_id))
            state.search_cache.clear()
        return str(record.id)

    def person_updates(self, object_type: str, record_id: int | str, props: dict[str, Any]) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        with self.sandbox.portal.lock:
            store = self.sandbox.state.store(object_type)
            record = store.get(record_id)
            assert record is not None, record_id
            store.apply(record, {k: str(v) for k, v in props.items()}, self.sandbox.clock.now())
            self.sandbox.state.search_cache.clear()

    def person_archives(self, object_type: str, record_id: str) -> None:
        self.sandbox.clock.advance(timedelta(seconds=1))
        with self.sandbox.portal.lock:
            store = self.sandbox.state.store(object_type)
            record = store.get(record_id)
            assert record is not None, record_id
            store.archive(record, self.sandbox.clock.now())
            self.sandbox.state.search_cache.clear()

    # -- what the portal shows (native records) ---------------------------------------

    def native_renewals(self) -> list[Record]:
        return [d for d in self.sandbox.records("deals") if d.props.get(KEY)]

    def native_tasks_of(self, deal_id: int | str) -> list[Record]:
        ids = set(self.sandbox.associated_ids("deals", deal_id, "tasks"))
        return [t for t in self.sandbox.records("tasks") if t.id in ids]

    def lines_of(self, deal_id: int | str) -> list[Record]:
        ids = set(self.sandbox.associated_ids("deals", deal_id, "line_items"))
        return [li for li in self.sandbox.records("line_items") if li.id in ids]

    def company_id(self) -> int:
        (company,) = self.sandbox.records("companies")
        return company.id

    def deal(self, deal_id: str) -> Record:
        (found,) = [d for d in self.sandbox.records("deals") if str(d.id) == str(deal_id)]
        return found

    # -- the neutral views --------------------------------------------------------------

    def with_store(self, store: StateStore) -> HubSpotOrg:
        return HubSpotOrg(self.sandbox, self.served, store, self.time, self.mapping)

    def renewals(self) -> list[RenewalView]:
        return [_renewal(d) for d in self.native_renewals()]

    def tasks_of(self, renewal_id: str) -> list[TaskView]:
        return [_task(t) for t in self.native_tasks_of(renewal_id)]

    def account(self, account_id: str | None = None) -> AccountView:
        companies = self.sandbox.records("companies")
        (c,) = [x for x in companies if account_id in (None, str(x.id))]
        props = c.props
        score = props.get("health_score")
        return AccountView(
            str(c.id), props.get("hubspot_owner_id"), props.get("next_renewal_date") or None,
            _money(props.get("open_renewal_amount")), _money(props.get("active_arr")),
            Decimal(score) if score else None, props.get("health_tier") or None,
            props.get("health_date") or None, health_parts(props.get("health_parts")),
        )  # fmt: skip

    def contract_id(self) -> str:
        (found,) = [d for d in self.sandbox.records("deals") if d.props.get("order_type") == "new"]
        return str(found.id)

    def lines_total(self, renewal_id: str) -> Decimal:
        """What HubSpot shows as the lines' total contract value (each line's `hs_tcv`)."""
        lines = self.lines_of(renewal_id)
        return sum((Decimal(li.props["hs_tcv"]) for li in lines), Decimal(0)).quantize(CENT)

    def service_keys(self) -> dict[str, Counter[str]]:
        def keys(kind: str) -> Counter[str]:
            return Counter(r.props[KEY] for r in self.sandbox.records(kind) if r.props.get(KEY))

        return {"renewal": keys("deals"), "line": keys("line_items"), "task": keys("tasks")}

    def open_renewal_terms(self) -> Counter[tuple[str, str, str]]:
        return Counter(
            (
                ",".join(map(str, self.sandbox.associated_ids("deals", d.id, "companies"))),
                str(d.props.get("product_family")),
                str(d.props.get("contract_start_date")),
            )
            for d in self.native_renewals()
            if d.props.get("hs_is_closed") != "true"
        )

    def crm_state(self) -> dict[str, Any]:
        return crm_state(self.sandbox)

    # -- what a person does, in neutral words ------------------------------------------

    def person_books_upgrade(self, contract_id: str, seats: int, start: date) -> str:
        upgrade = self.person_creates("deals", {
            "dealname": "Worked Example - more seats", "pipeline": "default",
            "dealstage": "closedwon", "closedate": start.isoformat(), "order_type": "upgrade",
            "contract_start_date": start.isoformat(), "contract_end_date": "2026-12-31",
            "amended_deal_id": contract_id, "product_family": "Analytics",
        }, {DEAL_TO_COMPANY: str(self.company_id())})  # fmt: skip
        self.person_creates("line_items", {
            "name": "ANL-SEAT", "hs_sku": "ANL-SEAT", "brick_kind": "subscription",
            "quantity": seats, "price": 300, "hs_discount_percentage": 5,
            "recurringbillingfrequency": "annually",
        }, {LINE_TO_DEAL: upgrade})  # fmt: skip
        return upgrade

    def person_books_termination(self, contract_id: str, on: date) -> str:
        return self.person_creates("deals", {
            "dealname": "Worked Example - termination", "pipeline": "default",
            "dealstage": "closedwon", "closedate": on.isoformat(), "order_type": "termination",
            "contract_start_date": on.isoformat(), "amended_deal_id": contract_id,
            "product_family": "Analytics",
        }, {DEAL_TO_COMPANY: str(self.company_id())})  # fmt: skip

    def person_books_recast(
        self, contract_id: str, product: str, plan_sku: str, price: int, start: date, end: date
    ) -> str:
        recast = self.person_creates("deals", {
            "dealname": f"Worked Example - recast to {product}", "pipeline": "default",
            "dealstage": "closedwon", "closedate": start.isoformat(), "order_type": "recast",
            "contract_start_date": start.isoformat(), "contract_end_date": end.isoformat(),
            "amended_deal_id": contract_id, "product_family": product, "renewal_terms": "manual",
        }, {DEAL_TO_COMPANY: str(self.company_id())})  # fmt: skip
        self.person_creates("line_items", {
            "name": plan_sku, "hs_sku": plan_sku, "brick_kind": "plan", "quantity": 1,
            "price": price, "recurringbillingfrequency": "annually",
        }, {LINE_TO_DEAL: recast})  # fmt: skip
        return recast

    def person_corrects_end_date(self, contract_id: str, end: date) -> None:
        self.person_updates("deals", contract_id, {"contract_end_date": end.isoformat()})

    def person_changes_product(self, order_id: str, product: str) -> None:
        self.person_updates("deals", order_id, {"product_family": product})

    def customer_answers_survey(self, account_id: str, sentiment: str, at: datetime) -> None:
        """Survey answers are read-only over the API: the portal records them itself."""
        self.sandbox.clock.advance(timedelta(seconds=1))
        loader = Loader(self.sandbox.state)
        answer = GenFeedback(f"CSAT-{at:%Y%m%d%H%M%S}", "", "CSAT", sentiment, at)
        submission = loader._insert("feedback_submissions", feedback_submission(answer))
        loader._link("feedback_submissions", 928, submission, int(account_id))
        self.sandbox.state.search_cache.clear()

    def person_changes_list_price(self, sku: str, yearly: Decimal) -> None:
        product = next(r for r in self.sandbox.records("products") if r.props["hs_sku"] == sku)
        self.person_updates("products", product.id, {"price": yearly})

    def person_clears_seat_counts(self, account_id: str) -> None:
        self.person_updates("companies", account_id, {"licensed_seats": "", "active_seats": ""})

    def _keyed(self, object_type: str) -> list[tuple[str, str]]:
        return [(str(r.id), r.props[KEY]) for r in self.sandbox.records(object_type)
                if r.props.get(KEY)]  # fmt: skip

    def _rekey_in_crm(self, new: str, old: str) -> dict[str, dict[str, str]]:
        moves: dict[str, dict[str, str]] = {}
        for concept, obj in OBJECTS.items():
            for record_id, key in self._keyed(obj):
                if key == new or key.startswith(f"{new}:"):
                    moves.setdefault(concept, {})[key] = old + key[len(new) :]
                    self.person_updates(obj, record_id, {KEY: old + key[len(new) :]})
        return moves

    def person_moves_stage(self, renewal_id: str) -> str:
        self.person_updates("deals", renewal_id, {"dealstage": "contractsent"})
        return "contractsent"

    def person_deletes_task(self, task_id: str) -> None:
        self.person_archives("tasks", task_id)

    def person_records_billing(self, order_id: str, billed: Decimal) -> None:
        self.person_updates("deals", order_id, {"billed_to_date": billed})

    def recast_credit(self, order_id: str) -> tuple[Decimal | None, str]:
        props = self.deal(order_id).props
        return _money(props.get("recast_credit")), props.get("recast_credit_note") or ""

    def person_deletes_renewal(self, renewal_id: str) -> None:
        self.person_archives("deals", renewal_id)

    def person_closes_renewal(self, renewal_id: str, *, won: bool) -> None:
        self.person_updates(
            "deals", renewal_id, {"dealstage": "closedwon" if won else "closedlost"}
        )

    def restore_open_amount_untracked(self, account_id: str, amount: Decimal) -> None:
        with self.sandbox.portal.lock:
            (company,) = [c for c in self.sandbox.records("companies") if str(c.id) == account_id]
            company.props["open_renewal_amount"] = str(amount)  # updatedAt as it was

    def purge(self, record_id: str) -> None:
        with self.sandbox.portal.lock:
            for store in self.sandbox.portal.stores.values():
                record = store.records.pop(int(record_id), None)
                if record is not None:
                    store.ids.remove(record.id)
                    store._unindex(record)
                    store.version += 1

    def person_creates_renewal(self, contract_id: str, amount: Decimal) -> str:
        return self.person_creates("deals", {
            "dealname": "Worked Example - renewal 2027 (by hand)", "pipeline": "default",
            "dealstage": "qualifiedtobuy", "closedate": "2026-12-31", "order_type": "renewal",
            "renewed_deal_id": contract_id, "product_family": "Analytics",
            "contract_start_date": "2027-01-01", "contract_end_date": "2027-12-31",
            "amount": str(amount),
        }, {DEAL_TO_COMPANY: str(self.company_id())})  # fmt: skip

    def person_changes_a_line_quantity(self, renewal_id: str, quantity: int) -> None:
        line = max(self.lines_of(renewal_id), key=lambda li: (Decimal(li.props["quantity"]), li.id))
        self.person_updates("line_items", line.id, {"quantity": str(quantity)})

    def new_day_of_allowance(self) -> None:
        self.sandbox.clock.advance(timedelta(days=1))  # a new UTC day: the allowance is back

    def limit_calls_today(self, calls: int) -> None:
        limiter = self.sandbox.limiter
        limiter.daily_limit = limiter.daily_used + calls

    def lift_call_limit(self) -> None:
        self.sandbox.limiter.daily_limit = 1_000_000
        self.new_day_of_allowance()


def _day(value: str | None) -> str | None:
    """A HubSpot date property (YYYY-MM-DD) or datetime (ISO, ms) as the day it names."""
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC).date().isoformat()
    return value[:10]


def _task(t: Record) -> TaskView:
    props = t.props
    due = _day(props.get("hs_timestamp")) or ""
    done = props.get("hs_task_status") == "COMPLETED"
    return TaskView(str(t.id), due, done, props.get("hs_task_subject") or "",
                    props.get("hubspot_owner_id"), props.get(KEY) or "")  # fmt: skip


def _renewal(d: Record) -> RenewalView:
    props = d.props
    stage = props.get("dealstage") or ""
    closed, won = props.get("hs_is_closed") == "true", props.get("hs_is_closed_won") == "true"
    outcome = ("won" if won else "lost") if closed else "open"
    return RenewalView(
        id=str(d.id), key=props[KEY], amount=_money(props.get("amount")),
        close_date=_day(props.get("closedate")), stage=outcome,
        stage_name=stage, term_start=props.get("contract_start_date"),
        term_end=props.get("contract_end_date"), renews=props.get("renewed_deal_id"),
        owner=props.get("hubspot_owner_id"), ledger=props.get("renewal_ledger") or "",
        computed_amount=_money(props.get("renewal_computed_amount")),
        lapsed=(props.get("renewal_lapsed") or "").lower() == "true",
        loss_reason=props.get("closed_lost_reason") or None,
        product=props.get("product_family"),
    )  # fmt: skip


def midnight_utc(day: str) -> str:
    """The `hs_timestamp` HubSpot shows for a task due on `day` (YYYY-MM-DD)."""
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def crm_state(sandbox: HubSpotSandbox) -> dict[str, Any]:
    """What a user sees, with record ids of the service's records replaced by their keys,
    so two portals that reached the same state through different retries compare equal."""
    key_of = {
        r.id: r.props[KEY]
        for kind in ("deals", "line_items", "tasks")
        for r in sandbox.records(kind)
        if r.props.get(KEY)
    }

    def linked(kind: str, record: Record, to: str) -> tuple[Any, ...]:
        return tuple(
            sorted(str(key_of.get(i, i)) for i in sandbox.associated_ids(kind, record.id, to))
        )

    def ours(kind: str) -> list[Record]:
        return [r for r in sandbox.records(kind) if r.props.get(KEY)]

    renewals = {
        d.props[KEY]: (
            _money(d.props.get("amount")), d.props.get("closedate"), d.props.get("dealstage"),
            _ref(key_of, d.props.get("renewed_deal_id")),
            d.props.get("contract_start_date"), d.props.get("contract_end_date"),
            d.props.get("renewal_lapsed"), d.props.get("closed_lost_reason"),
            linked("deals", d, "companies"),
        )
        for d in ours("deals")
    }  # fmt: skip
    lines = {
        li.props[KEY]: (
            linked("line_items", li, "deals"), _number(li.props.get("quantity")),
            _money(li.props.get("price")), _money(li.props.get("amount")),
        )
        for li in ours("line_items")
    }  # fmt: skip
    tasks = {
        t.props[KEY]: (
            linked("tasks", t, "deals"), linked("tasks", t, "companies"),
            t.props.get("hs_timestamp"), t.props.get("hs_task_status"),
            t.props.get("hs_task_subject"),
        )
        for t in ours("tasks")
    }  # fmt: skip
    rollups = {
        c.id: (
            c.props.get("health_score"), c.props.get("health_tier"),
            _money(c.props.get("active_arr")), c.props.get("next_renewal_date"),
            _money(c.props.get("open_renewal_amount")),
        )
        for c in sandbox.records("companies")
    }  # fmt: skip
    return {"renewals": renewals, "lines": lines, "tasks": tasks, "rollups": rollups}


def _ref(key_of: dict[int, str], record_id: str | None) -> str | None:
    """A service record's key in place of its id; anything else as it is."""
    return key_of.get(int(record_id), record_id) if record_id else record_id


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def _money(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))
