"""The JSON report of `renewal-sync rules evaluate --json` (shape of issue 2, plus extras).

Money is a string with two decimals ("25350.00") so no JSON reader turns it into a float.
"""

from __future__ import annotations

from typing import Any

from contract_rules.credit import RecastCredit
from contract_rules.evaluate import Evaluation, Renewal, SubscriptionResult
from contract_rules.milestones import Milestone
from contract_rules.money import money_str
from contract_rules.spend import LedgerLine
from contract_rules.validation import OrderError

JsonDict = dict[str, Any]


def evaluation_report(evaluation: Evaluation) -> JsonDict:
    """The whole report: `as_of` and one entry per subscription."""
    return {
        "as_of": evaluation.as_of.isoformat(),
        "subscriptions": [subscription_report(s) for s in evaluation.subscriptions],
    }


def subscription_report(result: SubscriptionResult) -> JsonDict:
    """One subscription: state, current contract, renewal, credits, milestones, errors."""
    return {
        "account_id": result.account_id,
        "product": result.product,
        "state": result.state.value if result.state else None,
        "current_order_id": result.current_order_id,
        "renewal": renewal_report(result.renewal) if result.renewal else None,
        "recast_credits": [credit_report(c) for c in result.recast_credits],
        "milestones": [milestone_report(m) for m in result.milestones],
        "errors": [error_report(e) for e in result.errors],
    }


def renewal_report(renewal: Renewal) -> JsonDict:
    """The renewal opportunity with its ledger."""
    return {
        "key": renewal.key,
        "renews_order_id": renewal.renews_order_id,
        "amount": money_str(renewal.spend.amount),
        "term_start": renewal.term.start.isoformat(),
        "term_end": renewal.term.end.isoformat(),
        "close_date": renewal.close_date.isoformat(),
        "renewal_terms": renewal.renewal_terms.value,
        "action": renewal.action.value,
        "owner": renewal.owner,
        "lines": [ledger_report(line) for line in renewal.spend.lines],
    }


def ledger_report(line: LedgerLine) -> JsonDict:
    """One ledger line: included or not, why, and its value."""
    return {
        "sku": line.sku,
        "kind": line.kind.value,
        "quantity": f"{line.quantity:f}",
        "unit_price": money_str(line.unit_price),
        "included": line.included,
        "reason": line.reason,
        "value": money_str(line.value),
        "order_id": line.order_id,
    }


def credit_report(credit: RecastCredit) -> JsonDict:
    """A recast credit (a one-time discount on the recast order)."""
    return {
        "order_id": credit.order_id,
        "replaces_order_id": credit.replaces_order_id,
        "amount": money_str(credit.amount),
        "billed": money_str(credit.billed),
        "delivered": money_str(credit.delivered),
        "policy": credit.policy.value,
    }


def milestone_report(milestone: Milestone) -> JsonDict:
    """A milestone task and its due date."""
    return {
        "key": milestone.key,
        "title": milestone.title,
        "days_before": milestone.days_before,
        "due_date": milestone.due_date.isoformat(),
    }


def error_report(error: OrderError) -> JsonDict:
    """A rejected order."""
    return {"order_id": error.order_id, "code": error.code.value, "message": error.message}
