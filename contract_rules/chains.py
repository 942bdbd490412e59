"""Follow a subscription's orders, in date order, into a chain of contracts.

Orders are applied by (start date, type, id), so the order of the input never matters. Each
non-`new` order amends a contract: the one named by `amends`, or, when `amends` is null, the
subscription's latest contract. Only the latest contract can be amended: amending one that a
renewal or recast already replaced is an error that names the replacement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from contract_rules.contracts import (
    Contract,
    Renewed,
    Segment,
    Supersession,
    Termination,
    segment_on,
)
from contract_rules.entitlements import RemovalTooLargeError, apply_delta, full_set, own_lines
from contract_rules.model import Order, OrderStatus, OrderType
from contract_rules.settings import RuleSettings, UpgradeLines
from contract_rules.terms import Term
from contract_rules.validation import ErrorCode, OrderError

_TYPE_RANK: Final = {
    OrderType.NEW: 0,
    OrderType.RENEWAL: 1,
    OrderType.RECAST: 2,
    OrderType.UPGRADE: 3,
    OrderType.TERMINATION: 4,
}
_TOO_EARLY: Final = {
    OrderType.UPGRADE: ErrorCode.UPGRADE_OUTSIDE_CONTRACT,
    OrderType.RECAST: ErrorCode.RECAST_OUTSIDE_CONTRACT,
    OrderType.RENEWAL: ErrorCode.OVERLAPPING_CONTRACTS,
    OrderType.TERMINATION: ErrorCode.TERMINATION_BEFORE_START,
}


@dataclass(frozen=True)
class Chain:
    """The contracts of one subscription, oldest first, and the orders that were rejected."""

    contracts: tuple[Contract, ...]
    errors: tuple[OrderError, ...]

    @property
    def latest(self) -> Contract | None:
        """The contract the next renewal renews (the end of the chain)."""
        return self.contracts[-1] if self.contracts else None

    def in_force(self, day: date) -> Contract | None:
        """The latest contract started on or before `day`; the first one if none has."""
        found = self.contracts[0] if self.contracts else None
        for contract in self.contracts:
            if contract.order.start_date > day:
                break
            found = contract
        return found


def _opened(order: Order) -> Contract:
    """The contract `order` opens: its own lines for its signed term."""
    end = order.end_date
    assert end is not None, "a contract order has an end date (the model's validator)"
    return Contract(
        order=order,
        term=Term(order.start_date, end),
        segments=(own_lines(order),),
        upgrade_ids=(),
        billed=order.billed_to_date,
    )


def build_chain(  # noqa: PLR0912 - one loop: each order type's path reads in one place
    orders: Iterable[Order],
    settings: RuleSettings,
    everywhere: Mapping[str, Order] | None = None,
) -> Chain:
    """The chain of contracts of one subscription's orders (in any order).

    `everywhere` (all orders of the input, by id) only improves the message when an order
    amends an order of another subscription.
    """
    applied = _in_apply_order(orders)
    contracts: list[Contract] = []
    owner: dict[str, int] = {}  # order id -> index of the contract it opened or amended
    errors: list[OrderError] = []
    full_set_upgrades = settings.upgrade_lines is UpgradeLines.FULL_SET
    for start, _, oid, _, kind, order in applied:
        if order.status is not OrderStatus.CLOSED_WON:
            continue
        if kind is OrderType.NEW:
            if contracts and start <= contracts[-1].last_day:
                errors.append(_overlapping_new(order, contracts[-1]))
                continue
            owner[oid] = len(contracts)
            contracts.append(_opened(order))
            continue
        amends, last = order.amends, len(contracts) - 1
        index = last if amends is None else owner.get(amends)
        if index is None or index < 0 or index != last:
            errors.append(_no_target(order, index, contracts, applied, errors, everywhere))
            continue
        current = contracts[index]
        if kind is OrderType.UPGRADE:
            upgraded = _upgrade(order, current, full_set_upgrades)
            if isinstance(upgraded, OrderError):
                error = upgraded
            else:
                error, contracts[index], owner[oid] = None, upgraded, index
        elif current.terminated_on is not None:
            error = _amends_terminated(order, current)
        elif kind is OrderType.RENEWAL:
            error = _renewal_error(order, current)
            if error is None:
                contracts[index] = replace(current, renewed=Renewed(by=oid))
                owner[oid] = len(contracts)
                contracts.append(_opened(order))
        elif kind is OrderType.RECAST:
            error = _recast_error(order, current)
            if error is None:
                contracts[index] = replace(current, superseded=Supersession(start, by=oid))
                owner[oid] = len(contracts)
                contracts.append(_opened(order))
        else:
            error = _termination_error(order, current)
            if error is None:
                last_day = order.end_date or current.term.end
                contracts[index] = replace(current, terminated=Termination(last_day, by=oid))
                owner[oid] = index
        if error is not None:
            errors.append(error)
    return Chain(tuple(contracts), tuple(errors))


def _in_apply_order(
    orders: Iterable[Order],
) -> list[tuple[date, int, str, int, OrderType, Order]]:
    """`orders` by (start date, type, id), each with the fields the builder reads.

    The key carries the start date, id and type on into the loop. The position in the input
    breaks a tie on (start, type, id), so two orders are never compared.
    """
    applied = []
    for position, order in enumerate(orders):
        kind = order.type
        applied.append((order.start_date, _TYPE_RANK[kind], order.id, position, kind, order))
    applied.sort()
    return applied


def _no_target(  # noqa: PLR0917 - the rare path gets the builder's whole state
    order: Order,
    index: int | None,
    contracts: list[Contract],
    applied: list[tuple[date, int, str, int, OrderType, Order]],
    errors: list[OrderError],
    everywhere: Mapping[str, Order] | None,
) -> OrderError:
    """Why `order` has no contract to amend: none yet, a replaced, rejected or inactive one,
    one that starts later, or an id of another subscription or of nothing."""
    amends = order.amends
    if amends is None:
        return _error(order, ErrorCode.NOTHING_TO_AMEND, _nothing_to_amend(order))
    if index is not None:
        latest = contracts[-1].order_id
        message = (
            f"order {order.id} amends {amends}, which {latest} has replaced; "
            f"set `amends` to {latest}"
        )
        return _error(order, ErrorCode.AMENDS_REPLACED_CONTRACT, message)
    ordered = [o for *_, o in applied]  # listed here: only this rare path needs it
    before = ordered[: ordered.index(order)]  # the orders applied so far
    if any(e.order_id == amends for e in errors):
        message = f"order {order.id} amends {amends}, which was rejected; fix {amends} first"
        return _error(order, ErrorCode.AMENDS_INVALID_ORDER, message)
    if any(o.id == amends and o.status is not OrderStatus.CLOSED_WON for o in before):
        message = f"order {order.id} amends {amends}, which is not closed won; fix {amends} first"
        return _error(order, ErrorCode.AMENDS_INVALID_ORDER, message)
    later = {o.id: o for o in ordered}.get(amends)
    if later is not None:
        message = (
            f"order {order.id} ({order.start_date}) amends {amends}, which only starts on "
            f"{later.start_date}; fix the start date of one of them"
        )
        return _error(order, _TOO_EARLY[order.type], message)
    other = (everywhere or _NOWHERE).get(amends)
    where = f" (it belongs to account {other.account_id})" if other else ""
    message = (
        f"order {order.id} amends {amends}, which is not a contract of this "
        f"subscription{where}; set `amends` to the id of the contract it changes"
    )
    return _error(order, ErrorCode.UNKNOWN_AMENDED_ORDER, message)


def _overlapping_new(order: Order, latest: Contract) -> OrderError:
    message = (
        f"new order {order.id} starts on {order.start_date}, while {latest.order_id} "
        f"runs until {latest.last_day}; a subscription has one contract at a time: "
        "record an upgrade, a renewal or a recast of it instead"
    )
    return _error(order, ErrorCode.OVERLAPPING_CONTRACTS, message)


def _renewal_error(order: Order, current: Contract) -> OrderError | None:
    if order.product != current.order.product:
        return _cross_product(order, current)
    if order.start_date <= current.term.end:
        message = (
            f"renewal {order.id} starts on {order.start_date}, before {current.order_id} ends "
            f"on {current.term.end}; a renewal starts the day after: fix its start date"
        )
        return _error(order, ErrorCode.OVERLAPPING_CONTRACTS, message)
    return None


def _recast_error(order: Order, current: Contract) -> OrderError | None:
    if not current.order.start_date <= order.start_date <= current.last_day:
        message = (
            f"recast {order.id} starts on {order.start_date}, outside {current.order_id} "
            f"({current.order.start_date}..{current.last_day}); a recast replaces a contract "
            "in force: fix its start date, or record a renewal"
        )
        return _error(order, ErrorCode.RECAST_OUTSIDE_CONTRACT, message)
    return None


def _upgrade(order: Order, current: Contract, full_set_upgrades: bool) -> Contract | OrderError:
    """`current` with the upgrade folded in, or why it cannot be."""
    if order.product != current.order.product:
        return _cross_product(order, current)
    start, end, term = order.start_date, order.end_date, current.term
    last = term.end if current.terminated_on is None else current.last_day  # never superseded
    if not current.order.start_date <= start <= last or (end is not None and end != term.end):
        message = (
            f"upgrade {order.id} ({order.start_date}..{order.end_date or 'end'}) is outside "
            f"{current.order_id} ({current.order.start_date}..{current.last_day}); an upgrade "
            "starts within the contract and keeps its end date: fix the dates, or use a "
            "renewal or a recast"
        )
        return _error(order, ErrorCode.UPGRADE_OUTSIDE_CONTRACT, message)
    segments = current.segments
    try:
        if full_set_upgrades:
            segment = full_set(order)
        elif segments[-1].start <= start:  # the usual case: after every earlier upgrade
            segment = apply_delta(segments[-1], order)
        else:
            segment = apply_delta(segment_on(segments, start), order)
    except RemovalTooLargeError as exc:
        return _removal_too_large(order, current, exc)
    return _with_segment(current, order, segment)


def _termination_error(order: Order, current: Contract) -> OrderError | None:
    last = order.end_date or current.term.end
    if last > current.term.end:
        message = (
            f"termination {order.id} is dated {last}, after {current.order_id} ends on "
            f"{current.term.end}; set its end_date to {current.term.end} or earlier "
            "(or null for the renewal date)"
        )
        return _error(order, ErrorCode.TERMINATION_AFTER_END, message)
    if last < current.order.start_date:
        message = (
            f"termination {order.id} is dated {last}, before {current.order_id} starts on "
            f"{current.order.start_date}; set its end_date within the contract"
        )
        return _error(order, ErrorCode.TERMINATION_BEFORE_START, message)
    return None


_NOWHERE: Final[Mapping[str, Order]] = {}


def _error(order: Order, code: ErrorCode, message: str) -> OrderError:
    return OrderError(order.id, code, message)


def _with_segment(current: Contract, order: Order, segment: Segment) -> Contract:
    """From the upgrade's start, its entitlements replace the ones in force."""
    segments, start = current.segments, order.start_date
    if segments[-1].start < start:  # the usual case: the upgrade starts after the others
        segments = (*segments, segment)
    else:
        segments = (*[s for s in segments if s.start < start], segment)
    return replace(
        current,
        segments=segments,
        upgrade_ids=(*current.upgrade_ids, order.id),
        billed=current.billed + order.billed_to_date,
    )


def _nothing_to_amend(order: Order) -> str:
    return (
        f"{order.type.value} {order.id} has no contract to amend in this subscription "
        f"({order.account_id}, {order.product}); record the `new` order first or fix `amends`"
    )


def _cross_product(order: Order, current: Contract) -> OrderError:
    message = (
        f"{order.type.value} {order.id} is for product {order.product!r} but {current.order_id} "
        f"is for {current.order.product!r}; an upgrade or renewal stays within one product: "
        "record this change as a recast"
    )
    return _error(order, ErrorCode.CROSS_PRODUCT_UPGRADE, message)


def _amends_terminated(order: Order, current: Contract) -> OrderError:
    message = (
        f"{order.type.value} {order.id} amends {current.order_id}, which {current.terminated_by} "
        f"terminates on {current.terminated_on}; a terminated subscription gets no renewal: "
        "cancel the termination or record a new order"
    )
    return _error(order, ErrorCode.AMENDS_TERMINATED_CONTRACT, message)


def _removal_too_large(order: Order, current: Contract, exc: RemovalTooLargeError) -> OrderError:
    message = (
        f"upgrade {order.id} removes {exc.removed} x {exc.sku} but {current.order_id} owns "
        f"{exc.owned} on {order.start_date}; remove at most {exc.owned}, or check the sku"
    )
    return _error(order, ErrorCode.REMOVAL_EXCEEDS_OWNED, message)
