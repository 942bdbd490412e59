"""Assemble the run's plan: every subscription decided, tasks dated, accounts rolled up.

The milestone rule needs the day the service first saw each renewal ("a milestone already
past when the service first sees the contract is not raised late, except the latest one").
First-seen dates are recorded once, in one call per run; a dry run only reads them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from contract_rules import Contract, HealthScore, health_score, milestones_to_raise
from contract_rules.rollups import AccountFacts, SupportCase, active_arr, health_signals
from mappings import AccountRollupIntent, CaseRecord, RecastCreditIntent, TaskIntent
from sync.pipeline.context import RunContext
from sync.pipeline.decide import (
    PlannedRenewal,
    SubscriptionDecision,
    decide_subscription,
    with_tasks,
)
from sync.pipeline.deleted import drop_deleted_renewals
from sync.pipeline.keys import task_key
from sync.pipeline.world import World
from sync.state import RecordFailure, Stage

_TENTH = Decimal("0.1")
_MILLI = Decimal("0.001")


@dataclass
class Plan:
    """Everything the push step writes, and what the decide step found wrong."""

    renewals: list[PlannedRenewal] = field(default_factory=list)
    rollups: list[AccountRollupIntent] = field(default_factory=list)
    credits: list[RecastCreditIntent] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)
    subscriptions: int = 0
    clean_orders: set[str] = field(default_factory=set)


def build_plan(ctx: RunContext, world: World, accounts: set[str] | None = None) -> Plan:
    """Decide every subscription of `accounts` (all when None) and roll the accounts up."""
    plan = Plan()
    decisions = [
        decide_subscription(ctx, world, key, records)
        for key, records in sorted(world.subscriptions.items())
        if accounts is None or key[0] in accounts
    ]
    plan.subscriptions = len(decisions)
    drop_deleted_renewals(ctx, world, decisions)
    for decision in decisions:
        plan.failures += decision.failures
        plan.renewals += decision.renewals
    plan.renewals = _with_tasks(ctx, world, plan.renewals)
    plan.rollups = _rollups(ctx, world, decisions, accounts)
    plan.credits = [c for d in decisions for c in _credits(world, d)]
    plan.failures += translation_failures(ctx, world)
    failed = {f.record_key for f in plan.failures}
    plan.clean_orders = {oid for oid in world.orders if oid not in failed}
    return plan


def _with_tasks(
    ctx: RunContext, world: World, renewals: list[PlannedRenewal]
) -> list[PlannedRenewal]:
    keys = [r.intent.key for r in renewals if r.milestones]
    seen = (
        ctx.store.seen.get(ctx.crm, "renewal", keys)
        if ctx.dry_run
        else ctx.store.seen.mark(ctx.crm, "renewal", keys, today=ctx.today)
    )
    return [
        _tasked(ctx, world, r, seen.get(r.intent.key, ctx.today)) if r.milestones else r
        for r in renewals
    ]


def _tasked(
    ctx: RunContext, world: World, plan: PlannedRenewal, first_seen: date
) -> PlannedRenewal:
    intent = plan.intent
    account = world.accounts.get(intent.account_id)
    who = account[0].name if account and account[0].name else intent.account_id
    tasks = tuple(
        TaskIntent(
            key=task_key(intent.key, m.key, ctx.port.key_length),
            renewal_id="",
            subject=f"{m.title}: {who} {intent.product} renewal",
            due_date=m.due_date,
            status="open",
            account_id=intent.account_id,
            owner_id=intent.owner_id,
            description=(
                f"{m.title} for the {intent.product} renewal of {who}: the contract ends "
                f"{intent.close_date}; expected renewal spend {intent.amount}. "
                f"Playbook step due {m.days_before} days before the end date."
            ),
        )
        for m in milestones_to_raise(plan.milestones, first_seen)
    )
    return with_tasks(plan, tasks)


def _rollups(
    ctx: RunContext, world: World, decisions: list[SubscriptionDecision], accounts: set[str] | None
) -> list[AccountRollupIntent]:
    contracts: dict[str, list[Contract]] = defaultdict(list)
    opens: dict[str, list[PlannedRenewal]] = defaultdict(list)
    for decision in decisions:
        contracts[decision.key[0]] += decision.result.contracts
        opens[decision.key[0]] += [r for r in decision.renewals if r.intent.stage == "open"]
    wanted = accounts if accounts is not None else set(world.accounts)
    return [
        _rollup(ctx, world, aid, contracts[aid], opens[aid])
        for aid in sorted(wanted)
        if aid in world.accounts
    ]


def _rollup(
    ctx: RunContext,
    world: World,
    account_id: str,
    contracts: list[Contract],
    opens: list[PlannedRenewal],
) -> AccountRollupIntent:
    extras = world.accounts[account_id][1]
    facts = AccountFacts(
        extras.licensed_seats,
        extras.active_seats,
        [_case(c) for c in world.cases.get(account_id, [])],
        [(n.score, n.responded_at) for n in world.nps.get(account_id, [])],
        contracts,
        feedback=[(f.sentiment, f.responded_at) for f in world.feedback.get(account_id, [])],
    )
    score = health_score(health_signals(facts, ctx.today), ctx.health)
    amounts = [r.intent.amount for r in opens if r.intent.amount is not None]
    dates = [r.intent.close_date for r in opens if r.intent.close_date is not None]
    return AccountRollupIntent(
        account_id=account_id,
        health_score=score.score if score else None,
        health_tier=score.tier.value if score else None,
        health_parts=_parts(score) if score else None,
        health_date=ctx.today,
        active_arr=active_arr(contracts, ctx.today),
        next_renewal_date=min(dates) if dates else None,
        open_renewal_amount=sum(amounts, Decimal(0)) if amounts else None,
    )


def _case(record: CaseRecord) -> SupportCase:
    return SupportCase(
        high_priority=record.priority == "high",
        is_closed=bool(record.is_closed),
        created_at=record.created_at,
        closed_at=record.closed_at,
    )


def _parts(score: HealthScore) -> str:
    """The parts as compact JSON: each part's 0-100 value and its re-normalised weight."""
    parts = {
        p.part.value: {
            "value": str(p.value.quantize(_TENTH)),
            "weight": str(p.weight.quantize(_MILLI)),
        }
        for p in score.parts
    }
    return json.dumps(parts, sort_keys=True)


def translation_failures(ctx: RunContext, world: World) -> list[RecordFailure]:
    """The records of `world` the mapping cannot read, for the admin's work list."""
    return [
        RecordFailure(ctx.crm, e.concept, e.record_id, Stage.DECIDE, "UNREADABLE_RECORD", str(e))
        for e in world.errors
    ]


def _credits(world: World, decision: SubscriptionDecision) -> list[RecastCreditIntent]:
    """The credit of each recast of the subscription, for the recast's own record."""
    intents = []
    for credit in decision.result.recast_credits:
        recast = world.orders.get(credit.order_id)
        if recast is None:
            continue
        replaced = world.orders.get(credit.replaces_order_id)
        what = replaced.name if replaced and replaced.name else credit.replaces_order_id
        note = (
            f"Recast credit {credit.amount:.2f} for the unused part of {what} "
            f"({credit.replaces_order_id}): billed {credit.billed:.2f}, delivered "
            f"{credit.delivered:.2f} before {recast.order.start_date} "
            f"(policy {credit.policy.value}). A one-time discount of this recast."
        )
        intents.append(
            RecastCreditIntent(credit.order_id, credit.amount, credit.replaces_order_id, note)
        )
    return intents
