"""The canonical world, rebuilt from the mirror through the mapping for the decide step.

Translation errors are kept as values: a closed-won order that cannot be read is an error an
admin must see (its subscription is evaluated without it, i.e. in its last valid state); an
open or lost opportunity that is only half filled in is not a contract yet and is ignored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from collections.abc import Mapping as Map
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from contract_rules import Account, OrderStatus, OrderType, SubscriptionKey, group_orders
from mappings import (
    AccountExtras,
    CaseRecord,
    FeedbackRecord,
    Mapping,
    NpsRecord,
    OrderRecord,
    PriceRecord,
    TranslationError,
    UserRecord,
    lines_by_order,
    to_account,
    to_case,
    to_feedback,
    to_nps,
    to_order,
    to_price,
    to_user,
)
from mappings.streams import WRITTEN_PREFIX, streams
from sync.pipeline.partition import SHARED
from sync.state import ScopedRow, StateStore

T = TypeVar("T")

Raw = dict[str, Any]
_LINE_MARK = ":line:"


@dataclass
class World:
    """Everything the rules and the roll-ups need, keyed for quick lookups."""

    accounts: dict[str, tuple[Account, AccountExtras]] = field(default_factory=dict)
    subscriptions: dict[SubscriptionKey, list[OrderRecord]] = field(default_factory=dict)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    raw_orders: dict[str, Raw] = field(default_factory=dict)
    raw_lines: dict[str, Raw] = field(default_factory=dict)
    raw_lines_by_order: dict[str, list[Map[str, Any]]] = field(default_factory=dict)
    """Every line in the CRM by the id of its order (renewals included, ours or a person's)."""
    raw_accounts: dict[str, Raw] = field(default_factory=dict)
    by_sync_key: dict[str, dict[str, Raw]] = field(default_factory=dict)
    record_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    prices: dict[str, PriceRecord] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)
    cases: dict[str, list[CaseRecord]] = field(default_factory=lambda: defaultdict(list))
    nps: dict[str, list[NpsRecord]] = field(default_factory=lambda: defaultdict(list))
    feedback: dict[str, list[FeedbackRecord]] = field(default_factory=lambda: defaultdict(list))
    errors: list[TranslationError] = field(default_factory=list)
    subscription_of: dict[str, SubscriptionKey] = field(default_factory=dict)
    """Order id -> the subscription it belongs to (by its `amends` chain, as the rules group)."""
    readable: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Concept -> ids of the records that translated: their earlier errors are resolved."""
    scope: set[str] | None = None
    """The accounts loaded (a batch widened by its subscriptions), None for the whole org."""
    _by_subscription: dict[SubscriptionKey, list[tuple[str, OrderRecord]]] | None = None

    def list_prices(self) -> dict[str, Decimal]:
        """The CRM's price book as yearly list prices by sku, for `pricing = "list"`.

        Entries marked inactive are left out (the mapping's `price` filter usually keeps
        them out already, e.g. Salesforce's active entries of the standard book)."""
        return {
            sku: price.unit_price
            for sku, price in self.prices.items()
            if price.is_active is not False
        }

    def reset_indexes(self) -> None:
        """Forget the derived indexes after keys moved (`sync/pipeline/rekey.py`)."""
        self._by_subscription = None

    def service_renewals(self, key: SubscriptionKey) -> list[tuple[str, OrderRecord]]:
        """The renewals the service raised for one subscription, with their keys."""
        if self._by_subscription is None:
            self._by_subscription = defaultdict(list)
            for rkey, record_id in self.record_ids.get("renewal", {}).items():
                record = self.orders.get(record_id)
                if record is not None:
                    sub = self.subscription_of[record.order.id]
                    self._by_subscription[sub].append((rkey, record))
        return self._by_subscription.get(key, [])

    def renewal_lines_by_renewal(self) -> dict[str, dict[str, str]]:
        """The renewal lines the service wrote, grouped by the renewal key they start with.

        Line keys read `<renewal key>:line:<...>`; a line is listed under every renewal key
        `k` for which it starts with `k:line:`, exactly as a `startswith` test would find
        it. Built fresh on each call (one pass over the lines), so a caller looking for one
        renewal's stale lines need not scan every line key for every renewal, which is
        quadratic: minutes at 100k orders.
        """
        grouped: dict[str, dict[str, str]] = defaultdict(dict)
        for key, record_id in self.record_ids.get("renewal_line", {}).items():
            at = key.find(_LINE_MARK)
            while at != -1:
                grouped[key[:at]][key] = record_id
                at = key.find(_LINE_MARK, at + 1)
        return grouped

    def open_renewals_of(self, contract_id: str) -> list[OrderRecord]:
        """Open renewal opportunities that say they renew `contract_id` (ours or a person's)."""
        return [
            record
            for record in self.subscription_orders_amending(contract_id)
            if record.order.type is OrderType.RENEWAL and record.order.status is OrderStatus.OPEN
        ]

    def subscription_orders_amending(self, contract_id: str) -> list[OrderRecord]:
        contract = self.orders.get(contract_id)
        if contract is None:
            return []
        key = self.subscription_of[contract.order.id]
        return [r for r in self.subscriptions.get(key, []) if r.order.amends == contract_id]


def load_world(
    store: StateStore,
    crm: str,
    mapping: Mapping,
    accounts: Collection[str] | None = None,
    *,
    shared: World | None = None,
) -> World:
    """Read the mirror and translate every record the mapping can read: of the whole org,
    or (`accounts`) of those accounts and every account a subscription of theirs crosses
    into (`World.scope`). `shared`: prices and users already loaded for this run (their
    errors are then left to the world they were loaded in)."""
    world = World()
    rows = _Rows(store, crm) if accounts is None else _scoped(store, crm, mapping, accounts)
    world.scope = rows.accounts
    _accounts(world, rows.of("account"), mapping)
    _orders(world, rows.of("order"), rows.of("line") if "line" in mapping.read else {}, mapping)
    if shared is None:
        _shared(world, _Rows(store, crm), mapping)
    else:
        world.prices, world.users = shared.prices, shared.users
    _signals(world, rows, mapping)
    for name in mapping.write:
        _index_keys(world, name, mapping, rows.of(f"{WRITTEN_PREFIX}{name}"))
    return world


def load_accounts(
    store: StateStore, crm: str, mapping: Mapping
) -> dict[str, tuple[Account, AccountExtras]]:
    """Every account that translates, and nothing else (matching health signals)."""
    world = World()
    _accounts(world, _Rows(store, crm).of("account"), mapping)
    return world.accounts


def load_shared(store: StateStore, crm: str, mapping: Mapping) -> World:
    """Only what every account reads: the price book and the users."""
    world = World()
    _shared(world, _Rows(store, crm), mapping)
    return world


@dataclass
class _Rows:
    """Mirrored records by stream: all of them, or those `_scoped` preloaded for a batch."""

    store: StateStore
    crm: str
    accounts: set[str] | None = None
    loaded: dict[str, dict[str, Raw]] = field(default_factory=dict)

    def of(self, stream: str) -> dict[str, Raw]:
        """Live records by id, in keyset order (fresh dicts: callers may keep them)."""
        if self.accounts is not None:
            return self.loaded.get(stream, {})
        return self.store.mirror.data_by_id(self.crm, stream)


def _scoped(store: StateStore, crm: str, mapping: Mapping, accounts: Collection[str]) -> _Rows:
    """The records of a batch of accounts (`sync.pipeline.partition`): the accounts, their
    orders - and those of any account a subscription crosses into through `amends`, either
    way - the lines of those orders, the signals of those accounts, and the records the
    service wrote under keys naming them."""
    scope, orders = _orders_crossing(store, crm, set(accounts))
    rows = _Rows(store, crm, scope)
    mirror = store.mirror
    owners = scope | set(orders)
    rows.loaded["account"] = _by_keyset(mirror.scoped(crm, "account", "record_id", scope))
    rows.loaded["order"] = _by_keyset(orders.values())
    for stream in streams(mapping):
        name = stream.name
        if name in rows.loaded or name in SHARED:
            continue
        wanted = (
            set(orders) if name == "line" else owners if name.startswith(WRITTEN_PREFIX) else scope
        )
        rows.loaded[name] = _by_keyset(mirror.scoped(crm, name, "parent_id", wanted))
    return rows


def _orders_crossing(
    store: StateStore, crm: str, accounts: set[str]
) -> tuple[set[str], dict[str, ScopedRow]]:
    """The orders of `accounts`, widened to every account an `amends` link leads to or comes
    from, until no link leaves the set (usually one round: links rarely cross accounts)."""
    orders: dict[str, ScopedRow] = {}
    frontier = set(accounts)
    while frontier:
        new = list(store.mirror.scoped(crm, "order", "parent_id", frontier))
        orders.update((r.record_id, r) for r in new)
        ahead = {r.link_id for r in new if r.link_id and r.link_id not in orders}
        linked = store.mirror.scoped(crm, "order", "record_id", ahead) if ahead else []
        behind = store.mirror.scoped(crm, "order", "link_id", [r.record_id for r in new])
        frontier = {r.parent_id or "" for r in (*linked, *behind)} - accounts
        accounts |= frontier
    return accounts, orders


def _by_keyset(rows: Iterable[ScopedRow]) -> dict[str, Raw]:
    """Records by id in keyset order, as a whole-stream read gives them (the later of two
    records carrying one key wins in `_index_keys`)."""
    return {
        r.record_id: r.data for r in sorted(rows, key=lambda r: (r.system_modstamp, r.record_id))
    }


def _accounts(world: World, rows: dict[str, Raw], mapping: Mapping) -> None:
    world.raw_accounts = rows
    for record_id, raw in rows.items():
        translated = to_account(raw, mapping)
        if isinstance(translated, TranslationError):
            world.errors.append(translated)
            continue
        world.accounts[translated[0].id] = translated
        world.readable["account"].add(record_id)


def _in_id_order(rows: dict[str, Raw]) -> list[Raw]:
    """Rows by record id (numeric ids by value), not by when they last changed: an order's
    lines must come in the same order on every run, or its ledger - and the keys of the
    renewal lines made from it - would shuffle whenever a retry touched one line later."""
    return [rows[k] for k in sorted(rows, key=lambda k: (len(k), k))]


def _orders(world: World, orders: dict[str, Raw], lines: dict[str, Raw], mapping: Mapping) -> None:
    world.raw_orders = orders
    world.raw_lines = lines
    grouped = lines_by_order(_in_id_order(world.raw_lines), mapping)
    world.raw_lines_by_order = grouped
    for record_id, raw in world.raw_orders.items():
        translated = to_order(raw, grouped.get(record_id, []), mapping)
        if isinstance(translated, TranslationError):
            if translated.status == OrderStatus.CLOSED_WON.value:
                world.errors.append(translated)
            continue
        world.orders[translated.order.id] = translated
        world.readable["order"].add(record_id)
    _group(world)
    _index_keys(world, "renewal", mapping, world.raw_orders)
    _index_keys(world, "renewal_line", mapping, world.raw_lines)


def _group(world: World) -> None:
    """Subscriptions follow `amends` exactly as the rules do (`contract_rules.group_orders`):
    a recast to another product stays in its subscription, and an upgrade across products is
    judged - and refused with its hint - by the subscription it tries to change."""
    grouping = group_orders(record.order for record in world.orders.values())
    for key, orders in grouping.orders.items():
        world.subscriptions[key] = [world.orders[order.id] for order in orders]
        for order in orders:
            world.subscription_of[order.id] = key


def _index_keys(world: World, concept: str, mapping: Mapping, rows: dict[str, Raw]) -> None:
    """Index the records the service writes by their key, those that carry one."""
    spec = mapping.write.get(concept)
    if spec is None or spec.key_field is None:
        return
    key_field = spec.key_field
    for record_id, raw in rows.items():
        key = raw.get(key_field)
        if key not in (None, ""):
            world.by_sync_key.setdefault(concept, {})[str(key)] = raw
            world.record_ids.setdefault(concept, {})[str(key)] = record_id


def _shared(world: World, rows: _Rows, mapping: Mapping) -> None:
    """Prices and users: each unreadable record is an error an admin sees (like an
    unreadable order), never a silent gap in a price list."""
    if "price" in mapping.read:
        for price in _readable(world, "price", rows.of("price"), to_price, mapping):
            world.prices[price.sku] = price
    if "user" in mapping.read:
        for user in _readable(world, "user", rows.of("user"), to_user, mapping):
            world.users[user.id] = user


def _signals(world: World, rows: _Rows, mapping: Mapping) -> None:
    """Cases, NPS and feedback answers: an unreadable one is an error an admin sees, never a
    silent gap in a health score."""
    if "case" in mapping.read:
        for case in _readable(world, "case", rows.of("case"), to_case, mapping):
            world.cases[case.account_id].append(case)
    if "nps" in mapping.read:
        for answer in _readable(world, "nps", rows.of("nps"), to_nps, mapping):
            world.nps[answer.account_id].append(answer)
    if "feedback" in mapping.read:
        for said in _readable(world, "feedback", rows.of("feedback"), to_feedback, mapping):
            world.feedback[said.account_id].append(said)


def _readable(
    world: World,
    concept: str,
    rows: dict[str, Raw],
    translate: Callable[[Raw, Mapping], T | TranslationError],
    mapping: Mapping,
) -> Iterator[T]:
    """The records of `rows` that translate; the others go to `world.errors`."""
    for record_id, raw in rows.items():
        translated = translate(raw, mapping)
        if isinstance(translated, TranslationError):
            world.errors.append(translated)
            continue
        world.readable[concept].add(record_id)
        yield translated
