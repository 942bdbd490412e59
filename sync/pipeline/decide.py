"""Decide: each subscription's orders -> the renewal it should have, its lines and tasks,
and which renewals the service raised earlier must now close.

`contract_rules` says what is true on `today`; this module turns that into write intents.
An automatic renewal past its end is closed won and the next one raised in the same run
(as the CRM will show it on the next pull), so a rerun finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from contract_rules import (
    Account,
    BrickKind,
    Contract,
    Line,
    Milestone,
    Order,
    OrderStatus,
    OrderType,
    RecastCredit,
    Renewal,
    RenewalAction,
    SubscriptionKey,
    SubscriptionResult,
    evaluate_subscription,
    plan_milestones,
    term_length,
)
from mappings import OrderRecord, PriceRecord, RenewalIntent, RenewalLineIntent, TaskIntent
from sync.pipeline.context import RunContext
from sync.pipeline.keys import renewal_key, task_prefix
from sync.pipeline.renewal_lines import ledger_order, renewal_line_intents
from sync.pipeline.world import World
from sync.state import RecordFailure, Stage

MAX_CATCH_UP = 10
PENDING = "pending:"


@dataclass(frozen=True, slots=True)
class PlannedRenewal:
    """A renewal to write, with its lines and tasks (their renewal id is filled at push).

    `renews_key` names a renewal planned in the same run whose CRM id becomes this one's
    `renews_order_id` once written (catching up on several automatic renewals at once).
    `force` lists canonical fields written even over a person's edit (closing a renewal).
    """

    intent: RenewalIntent
    lines: tuple[RenewalLineIntent, ...] = ()
    tasks: tuple[TaskIntent, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    record_id: str | None = None
    adopt: bool = False
    renews_key: str | None = None
    force: frozenset[str] = frozenset()


@dataclass
class SubscriptionDecision:
    """What one subscription needs written, and what the roll-ups need to know of it."""

    key: SubscriptionKey
    result: SubscriptionResult
    renewals: list[PlannedRenewal] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)


def decide_subscription(
    ctx: RunContext, world: World, key: SubscriptionKey, records: list[OrderRecord]
) -> SubscriptionDecision:
    """Evaluate one subscription, catching up on automatic renewals past their end date."""
    account = _account(world, key[0])
    orders = [r.order for r in records]
    planned: list[PlannedRenewal] = []
    ceiling_failures: list[RecordFailure] = []
    result = evaluate_subscription(orders, ctx.today, ctx.rules, account=account, key=key)
    for _ in range(MAX_CATCH_UP):
        if result.renewal is None:
            break
        previous = planned[-1] if planned else None
        plan = _plan(
            ctx, world, key, account, result.renewal,
            previous=previous, credits=result.recast_credits,
        )  # fmt: skip
        if _long_expired(ctx, plan, result.renewal):
            break
        if result.renewal.spend.amount > ctx.amount_ceiling:
            ceiling_failures.append(_above_ceiling(ctx, account, plan))
            break
        planned.append(plan)
        if result.renewal.action is not RenewalAction.CLOSE_WON:
            break
        orders = [*orders, _won_order(plan, result.renewal, key)]
        result = evaluate_subscription(orders, ctx.today, ctx.rules, account=account, key=key)
    decision = SubscriptionDecision(key, result, planned)
    # The last evaluation's errors: an order that amends a renewal this run closes won (a
    # person's adopted renewal, say, that the service closes and renews) is valid, not an
    # `amends_invalid_order` error that the next run would file as if something were wrong.
    decision.failures += _rule_failures(ctx, result) + ceiling_failures
    decision.failures += _duplicates(ctx, world, planned)
    decision.renewals += _closings(world, key, result, {p.intent.key for p in planned})
    return decision


ABOVE_CEILING = "AMOUNT_ABOVE_CEILING"


def _above_ceiling(ctx: RunContext, account: Account | None, plan: PlannedRenewal) -> RecordFailure:
    """A renewal amount no real contract has: kept out of the CRM, named for an admin."""
    intent = plan.intent
    who = account.name if account and account.name else intent.account_id
    message = (
        f"renewal {intent.key} of {who} ({intent.product}) computes {intent.amount}, above the "
        f"amount ceiling {ctx.amount_ceiling} (setting amount_ceiling); it is not written. "
        "Check the quantities and prices of the contract it renews "
        f"({intent.renews_order_id or 'pending'}), or raise the ceiling"
    )
    return RecordFailure(
        ctx.crm, "renewal", intent.key, Stage.DECIDE, "AMOUNT_ABOVE_CEILING", message
    )


def _long_expired(ctx: RunContext, plan: PlannedRenewal, renewal: Renewal) -> bool:
    """A manual contract that ended long before the service first saw it is expired, not a
    renewal to chase: no renewal is raised for it (one the service already keeps is still
    flagged lapsed)."""
    if renewal.action is not RenewalAction.FLAG_LAPSED or plan.record_id is not None:
        return False
    return (ctx.today - renewal.close_date).days > ctx.lapsed_window_days


def _account(world: World, account_id: str) -> Account | None:
    found = world.accounts.get(account_id)
    return found[0] if found else None


def _plan(
    ctx: RunContext,
    world: World,
    key: SubscriptionKey,
    account: Account | None,
    renewal: Renewal,
    *,
    previous: PlannedRenewal | None,
    credits: tuple[RecastCredit, ...] = (),
) -> PlannedRenewal:
    term = renewal.term
    renews_pending = renewal.renews_order_id.startswith(PENDING)
    contract = world.orders.get(renewal.renews_order_id)
    if previous is not None and renewal.renews_order_id == _won_id(previous):
        # catching up: it renews `previous`, by the key `previous` has from this run on
        rkey = renewal_key(renewal.renews_order_id, previous.intent.key)
        product = previous.intent.product or key[1]
    else:
        rkey = renewal_key(renewal.renews_order_id, contract.sync_key if contract else None)
        product = contract.order.product if contract else key[1]
    record_id, adopt = _existing(world, rkey, renewal.renews_order_id)
    months = Decimal(term_length(term.start, term.end).months)
    intent = RenewalIntent(
        key=rkey,
        account_id=key[0],
        amount=renewal.spend.amount,
        close_date=renewal.close_date,
        stage=_stage(renewal.action),
        name=_name(account, key[0], product, term.start),
        owner_id=renewal.owner,
        renews_order_id=None if renews_pending else renewal.renews_order_id,
        term_start=term.start,
        term_end=term.end,
        renewal_terms=renewal.renewal_terms.value,
        product=product,
        lapsed=renewal.action is RenewalAction.FLAG_LAPSED,
        computed_amount=renewal.spend.amount,
        ledger=_ledger_text(renewal, credits),
        pricebook_id=_pricebook_of(renewal, world.prices),
    )
    lines = renewal_line_intents(
        rkey, renewal.spend, months or Decimal(12), world.prices, key_length=ctx.port.key_length
    )
    milestones: tuple[Milestone, ...] = ()
    if renewal.action is not RenewalAction.CLOSE_WON:
        milestones = plan_milestones(renewal.close_date, ctx.rules.playbook_for(_segment(account)))
    renews_key = previous.intent.key if renews_pending and previous else None
    return PlannedRenewal(intent, lines, (), milestones, record_id, adopt, renews_key)


def _existing(world: World, rkey: str, contract_id: str) -> tuple[str | None, bool]:
    """The CRM record of this renewal: ours by key, else a person's one to adopt."""
    ours = world.record_ids.get("renewal", {}).get(rkey)
    if ours is not None:
        return ours, False
    candidates = [r for r in world.open_renewals_of(contract_id) if not r.sync_key]
    if not candidates:
        return None, False
    return sorted(candidates, key=lambda r: r.order.id)[0].order.id, True


def _stage(action: RenewalAction) -> str:
    return "won" if action is RenewalAction.CLOSE_WON else "open"


def _name(account: Account | None, account_id: str, product: str, start: date) -> str:
    who = account.name if account and account.name else account_id
    return f"{who} - {product} renewal {start.isoformat()}"[:120]


def _segment(account: Account | None) -> str | None:
    return account.segment if account else None


def _pricebook_of(renewal: Renewal, prices: Mapping[str, PriceRecord]) -> str | None:
    """The price book the renewal's lines are priced from (the book of their entries).

    Which entries are the org's is the mapping's `price` filter (e.g. Salesforce's active
    entries of the standard book); a CRM without price books maps no `pricebook_id`."""
    books = (prices[ln.sku].pricebook_id for ln in renewal.spend.lines if ln.sku in prices)
    return next((book for book in books if book), None)


def _ledger_text(renewal: Renewal, credits: tuple[RecastCredit, ...] = ()) -> str:
    spend = renewal.spend
    credit_rows = [
        f"  recast credit {c.amount:.2f} on {c.order_id} for {c.replaces_order_id} "
        f"(billed {c.billed:.2f}, delivered {c.delivered:.2f}): a one-time discount of the "
        "recast, not part of this renewal"
        for c in credits
        if c.order_id == renewal.renews_order_id
    ]
    rows = [
        f"{'+' if ln.included else ' '} {ln.sku} ({ln.kind.value}) {ln.quantity} x "
        f"{ln.unit_price:.2f}/yr -> {ln.value:.2f}: {ln.reason}"
        for ln in ledger_order(spend.lines)
    ]
    head = f"Expected renewal spend {spend.amount:.2f} for {spend.term.start} .. {spend.term.end}"
    return "\n".join([head, *rows, *credit_rows])[:32_000]


def _won_id(plan: PlannedRenewal) -> str:
    """The order id the renewal closed won in this run has in the rules' input."""
    return plan.record_id or f"{PENDING}{plan.intent.key}"


def _won_order(plan: PlannedRenewal, renewal: Renewal, key: SubscriptionKey) -> Order:
    """The renewal the service closes won, as the next pull will read it back."""
    lines = tuple(
        Line(
            sku=ln.sku or "",
            kind=BrickKind(ln.kind or "plan"),
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            precommit=ln.precommit,
        )
        for ln in plan.lines
    )
    return Order(
        id=_won_id(plan),
        account_id=key[0],
        type=OrderType.RENEWAL,
        product=plan.intent.product or key[1],
        amends=renewal.renews_order_id,
        start_date=renewal.term.start,
        end_date=renewal.term.end,
        renewal_terms=renewal.renewal_terms,
        status=OrderStatus.CLOSED_WON,
        lines=lines,
    )


def _rule_failures(ctx: RunContext, result: SubscriptionResult) -> list[RecordFailure]:
    return [
        RecordFailure(ctx.crm, "order", e.order_id, Stage.DECIDE, e.code.value, e.message)
        for e in result.errors
    ]


DUPLICATE_RENEWAL = "DUPLICATE_RENEWAL"


def _duplicates(
    ctx: RunContext, world: World, planned: list[PlannedRenewal]
) -> list[RecordFailure]:
    """Renewals a person raised for a contract that already has one: reported, not touched."""
    failures = []
    for plan in planned:
        contract = plan.intent.renews_order_id
        if contract is None:
            continue
        for other in world.open_renewals_of(contract):
            if other.order.id == plan.record_id or other.sync_key:
                continue
            message = (
                f"Opportunity {other.order.id} also renews contract {contract}; the service "
                f"keeps {plan.record_id or 'its own renewal'}. Close or merge {other.order.id}."
            )
            failures.append(
                RecordFailure(
                    ctx.crm, "order", other.order.id, Stage.DECIDE, DUPLICATE_RENEWAL, message
                )
            )
    return failures


def _closings(
    world: World, key: SubscriptionKey, result: SubscriptionResult, planned: set[str]
) -> list[PlannedRenewal]:
    """Open renewals the service raised that are no longer due: close them lost."""
    closings = []
    for rkey, record in world.service_renewals(key):
        if rkey in planned or record.order.status is not OrderStatus.OPEN:
            continue
        reason = _why_closed(result.contracts, record.order.amends)
        closings.append(_closing(world, rkey, record.order.id, key[0], reason))
    return closings


def _closing(
    world: World, rkey: str, record_id: str, account_id: str, reason: str
) -> PlannedRenewal:
    intent = RenewalIntent(
        key=rkey,
        account_id=account_id,
        amount=None,
        close_date=None,
        stage="lost",
        loss_reason=reason[:255],
    )
    prefix = task_prefix(rkey)
    tasks = tuple(
        TaskIntent(
            key=tkey,
            renewal_id=record_id,
            subject=None,
            due_date=None,
            status="completed",
            description=f"Closed by renewal-sync: {reason}",
        )
        for tkey in world.record_ids.get("task", {})
        if tkey.startswith(prefix)
    )
    return PlannedRenewal(
        intent, (), tasks, (), record_id, False, None, frozenset({"stage", "loss_reason"})
    )


def _why_closed(contracts: tuple[Contract, ...], contract_id: str | None) -> str:
    contract = next((c for c in contracts if c.order_id == contract_id), None)
    if contract is None:
        return "The contract it renewed is no longer in force"
    if contract.terminated_on is not None:
        return f"Terminated by order {contract.terminated_by}, effective {contract.terminated_on}"
    if contract.superseded_by is not None:
        return f"Replaced by recast {contract.superseded_by} from {contract.superseded_from}"
    if contract.renewed_by is not None:
        return f"Renewed by order {contract.renewed_by}"
    return "No renewal is due for this contract"


def with_tasks(plan: PlannedRenewal, tasks: tuple[TaskIntent, ...]) -> PlannedRenewal:
    """The plan with its milestone tasks (made once first-seen dates are known)."""
    return replace(plan, tasks=tasks)
