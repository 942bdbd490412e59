"""Pure renewal domain rules: plain typed values in, plain typed values out. No I/O, no clock.

The sync pipeline calls `evaluate` (a whole input) or `evaluate_subscription` (one
subscription, for streaming), then turns each `SubscriptionResult` into CRM writes.
"""

from contract_rules.chains import Chain, build_chain
from contract_rules.contracts import Contract, ContractState, Position, Segment
from contract_rules.credit import RecastCredit, recast_credit
from contract_rules.evaluate import (
    Evaluation,
    Renewal,
    RenewalAction,
    SubscriptionResult,
    evaluate,
    evaluate_subscription,
    recast_credits,
    renewal_due,
)
from contract_rules.health import (
    HealthPart,
    HealthScore,
    HealthSettings,
    HealthSignals,
    HealthTier,
    ScoredPart,
    health_score,
    health_tier,
    nps_part,
    usage_part,
)
from contract_rules.milestones import (
    Milestone,
    business_day_on_or_before,
    milestones_to_raise,
    plan_milestones,
)
from contract_rules.model import (
    Account,
    BrickKind,
    Discount,
    DiscountKind,
    Line,
    Order,
    OrdersInput,
    OrderStatus,
    OrderType,
    RenewalTerms,
)
from contract_rules.playbooks import DEFAULT_PLAYBOOKS, MilestoneStep, Playbook
from contract_rules.report import evaluation_report, subscription_report
from contract_rules.settings import CreditPolicy, PricingMethod, RuleSettings, UpgradeLines
from contract_rules.spend import LedgerLine, RenewalSpend, expected_renewal_spend
from contract_rules.subscriptions import Grouping, SubscriptionKey, group_orders
from contract_rules.terms import Term, TermLength, next_term, term_end, term_length
from contract_rules.validation import ErrorCode, OrderError

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "Account",
    "BrickKind",
    "Chain",
    "Contract",
    "ContractState",
    "CreditPolicy",
    "Discount",
    "DiscountKind",
    "ErrorCode",
    "Evaluation",
    "Grouping",
    "HealthPart",
    "HealthScore",
    "HealthSettings",
    "HealthSignals",
    "HealthTier",
    "LedgerLine",
    "Line",
    "Milestone",
    "MilestoneStep",
    "Order",
    "OrderError",
    "OrderStatus",
    "OrderType",
    "OrdersInput",
    "Playbook",
    "Position",
    "PricingMethod",
    "RecastCredit",
    "Renewal",
    "RenewalAction",
    "RenewalSpend",
    "RenewalTerms",
    "RuleSettings",
    "ScoredPart",
    "Segment",
    "SubscriptionKey",
    "SubscriptionResult",
    "Term",
    "TermLength",
    "UpgradeLines",
    "build_chain",
    "business_day_on_or_before",
    "evaluate",
    "evaluate_subscription",
    "evaluation_report",
    "expected_renewal_spend",
    "group_orders",
    "health_score",
    "health_tier",
    "milestones_to_raise",
    "next_term",
    "nps_part",
    "plan_milestones",
    "recast_credit",
    "recast_credits",
    "renewal_due",
    "subscription_report",
    "term_end",
    "term_length",
    "usage_part",
]
