"""Group orders into subscriptions: one account, one product, one chain.

An order belongs to the subscription of the order it amends (so a cross-product upgrade is
reported on the subscription it tries to change, and a recast that changes product keeps
its chain); an order that amends nothing known belongs to its own account and product.
Orders are visited by id, so the grouping never depends on the input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter

from contract_rules.model import Order
from contract_rules.validation import ErrorCode, OrderError

SubscriptionKey = tuple[str, str]  # (account id, product of the first contract)


@dataclass(frozen=True, slots=True)
class Grouping:
    """Orders per subscription, the orders by id, and the duplicates that were set aside."""

    orders: Mapping[SubscriptionKey, tuple[Order, ...]]
    by_id: Mapping[str, Order]
    errors: Mapping[SubscriptionKey, tuple[OrderError, ...]]


def group_orders(orders: Iterable[Order]) -> Grouping:
    """Orders per subscription key; distinct orders sharing an id are all rejected."""
    by_id, duplicates = _unique(orders)
    memo: dict[str, SubscriptionKey] = {}
    groups: dict[SubscriptionKey, list[Order]] = {}
    for order_id in sorted(by_id):
        order = by_id[order_id]
        groups.setdefault(_key(order, by_id, memo), []).append(order)
    errors: dict[SubscriptionKey, list[OrderError]] = {}
    for order in duplicates:
        key = (order.account_id, order.product)
        groups.setdefault(key, [])
        errors.setdefault(key, []).append(_duplicate(order))
    return Grouping(
        {k: tuple(v) for k, v in groups.items()},
        by_id,
        {k: tuple(v) for k, v in errors.items()},
    )


def subscription_key(orders: Iterable[Order]) -> SubscriptionKey:
    """The key of orders already known to form one subscription (first by id wins)."""
    by_id = {o.id: o for o in orders}
    first = by_id[min(by_id)]
    return _key(first, by_id, {})


def _unique(orders: Iterable[Order]) -> tuple[dict[str, Order], list[Order]]:
    by_id: dict[str, Order] = {}
    clashing: dict[str, list[Order]] = {}
    for order in orders:
        known = by_id.get(order.id)
        if known is None or known == order:
            by_id[order.id] = order
        else:
            clashing.setdefault(order.id, [known]).append(order)
    for order_id in clashing:
        del by_id[order_id]
    unique_clashes = {(o.id, _as_json(o)): o for group in clashing.values() for o in group}
    return by_id, [unique_clashes[k] for k in sorted(unique_clashes)]


def _as_json(order: Order) -> str:
    """The order as its JSON text: orders clashing on one id are reported in this order."""
    return _ORDER.dump_json(order).decode()


_ORDER = TypeAdapter(Order)


def _key(
    order: Order, by_id: Mapping[str, Order], memo: dict[str, SubscriptionKey]
) -> SubscriptionKey:
    walked: list[str] = []
    current = order
    while True:
        if current.id in memo:
            key = memo[current.id]
            break
        walked.append(current.id)
        parent = by_id.get(current.amends) if current.amends else None
        if parent is None or parent.account_id != current.account_id or parent.id in walked:
            key = (current.account_id, current.product)
            break
        current = parent
    for order_id in walked:
        memo[order_id] = key
    return key


def _duplicate(order: Order) -> OrderError:
    message = (
        f"order id {order.id} is used by several different orders; order ids must be unique: "
        "fix the ids (every copy is ignored until then)"
    )
    return OrderError(order.id, ErrorCode.DUPLICATE_ORDER_ID, message)
