"""The top level: orders and a date in, per-subscription results (intents) out.

`evaluate` takes a whole input; `evaluate_subscription` takes the orders of one subscription,
so a caller can stream subscriptions one by one in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contract_rules.chains import Chain, build_chain
from contract_rules.contracts import Contract, ContractState
from contract_rules.credit import RecastCredit, recast_credit
from contract_rules.milestones import Milestone, plan_milestones
from contract_rules.model import Account, Order, RenewalTerms
from contract_rules.settings import RuleSettings
from contract_rules.spend import RenewalSpend, expected_renewal_spend
from contract_rules.subscriptions import SubscriptionKey, group_orders, subscription_key
from contract_rules.terms import Term, renewal_term
from contract_rules.validation import OrderError


class RenewalAction(StrEnum):
    """What the pipeline should do with the renewal opportunity on the evaluation date."""

    KEEP_OPEN = "keep_open"  # upsert it, open, with this amount and close date
    CLOSE_WON = "close_won"  # automatic terms past the end date: close it won, raise the next
    FLAG_LAPSED = "flag_lapsed"  # past the end date without an automatic close: flag it


@dataclass(frozen=True)
class Renewal:
    """The one open renewal opportunity the subscription should have."""

    key: str
    renews_order_id: str
    spend: RenewalSpend
    close_date: date
    renewal_terms: RenewalTerms
    action: RenewalAction
    owner: str | None

    @property
    def term(self) -> Term:
        """The renewal term: starts the day after the renewed contract ends, same length."""
        return self.spend.term


@dataclass(frozen=True)
class SubscriptionResult:
    """Everything the rules decide about one subscription on one date."""

    account_id: str
    product: str
    state: ContractState | None
    current_order_id: str | None
    renewal: Renewal | None
    recast_credits: tuple[RecastCredit, ...]
    milestones: tuple[Milestone, ...]
    errors: tuple[OrderError, ...]
    contracts: tuple[Contract, ...]


@dataclass(frozen=True)
class Evaluation:
    """All subscriptions of an input, sorted by account and product."""

    as_of: date
    subscriptions: tuple[SubscriptionResult, ...]


def evaluate(
    accounts: Iterable[Account], orders: Iterable[Order], as_of: date, settings: RuleSettings
) -> Evaluation:
    """Group `orders` into subscriptions and evaluate each on `as_of`."""
    by_account = {a.id: a for a in accounts}
    grouping = group_orders(orders)
    results = tuple(
        evaluate_subscription(
            grouping.orders[key],
            as_of,
            settings,
            account=by_account.get(key[0]),
            everywhere=grouping.by_id,
            key=key,
            prior_errors=grouping.errors.get(key, ()),
        )
        for key in sorted(grouping.orders)
    )
    return Evaluation(as_of, results)


def evaluate_subscription(
    orders: Sequence[Order],
    as_of: date,
    settings: RuleSettings,
    *,
    account: Account | None = None,
    everywhere: Mapping[str, Order] | None = None,
    key: SubscriptionKey | None = None,
    prior_errors: tuple[OrderError, ...] = (),
) -> SubscriptionResult:
    """Evaluate the orders of one subscription (see `group_orders`) on `as_of`."""
    chain = build_chain(orders, settings, everywhere)
    account_id, product = key or _key_of(chain, orders)
    current = chain.in_force(as_of)
    renewal = renewal_due(chain, as_of, settings, account)
    milestones: tuple[Milestone, ...] = ()
    if renewal is not None:
        playbook = settings.playbook_for(account.segment if account else None)
        milestones = plan_milestones(renewal.close_date, playbook)
    return SubscriptionResult(
        account_id=account_id,
        product=product,
        state=current.state_on(as_of) if current else None,
        current_order_id=current.order.id if current else None,
        renewal=renewal,
        recast_credits=recast_credits(chain, settings),
        milestones=milestones,
        errors=prior_errors + chain.errors,
        contracts=chain.contracts,
    )


def renewal_due(
    chain: Chain, as_of: date, settings: RuleSettings, account: Account | None = None
) -> Renewal | None:
    """The renewal of the chain's latest contract, or None (terminated, replaced, renewed)."""
    latest = chain.latest
    if latest is None or latest.terminated or latest.superseded or latest.renewed:
        return None
    signed = latest.term
    length, term = renewal_term(signed.start, signed.end)
    spend = expected_renewal_spend(latest.segments[-1], term, length, settings)
    order = latest.order
    return Renewal(
        key=f"renewal:{order.id}",
        renews_order_id=order.id,
        spend=spend,
        close_date=signed.end,
        renewal_terms=order.renewal_terms,
        action=_action(latest, as_of, settings),
        owner=account.owner if account else None,
    )


def recast_credits(chain: Chain, settings: RuleSettings) -> tuple[RecastCredit, ...]:
    """One credit per recast in the chain, for the contract it replaced."""
    credits: list[RecastCredit] = []
    carried: dict[str, Decimal] = {}  # recast order id -> the credit it carries
    for contract in chain.contracts:
        if contract.superseded is not None:
            credit = recast_credit(
                contract,
                contract.superseded.start,
                settings.credit_policy,
                earlier=carried.get(contract.order_id, Decimal(0)),
            )
            carried[credit.order_id] = credit.amount
            credits.append(credit)
    return tuple(credits)


def _key_of(chain: Chain, orders: Sequence[Order]) -> SubscriptionKey:
    """The first contract names the subscription; without one, fall back to the grouping rule."""
    if chain.contracts:
        first = chain.contracts[0].order
        return (first.account_id, first.product)
    return subscription_key(orders)


def _action(latest: Contract, as_of: date, settings: RuleSettings) -> RenewalAction:
    if as_of <= latest.term.end:
        return RenewalAction.KEEP_OPEN
    automatic = latest.order.renewal_terms is RenewalTerms.AUTOMATIC
    if automatic and settings.auto_close_automatic_renewals:
        return RenewalAction.CLOSE_WON
    return RenewalAction.FLAG_LAPSED
