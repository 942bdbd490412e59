"""The report's inputs, from the state the service already keeps: no API call.

The mirror of the CRM (read through the mapping, as a run reads it) gives every renewal
opportunity, ours or a person's, with its stage, close date, amount and the contract it
renews; the rules give each account's contracts, so ARR on any day; the account roll-ups the
service wrote give health; the milestone tasks in the mirror give what is overdue.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping as Map
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from contract_rules import Contract, OrderStatus, OrderType, evaluate_subscription
from contract_rules.kpis import DueRenewal
from contract_rules.rollups import active_arr
from contract_rules.settings import RuleSettings
from mappings import Mapping
from mappings.coerce import CoerceError, is_blank, to_date, to_decimal
from sync.pipeline.keys import renewal_of_task
from sync.pipeline.world import World, load_world
from sync.state import StateStore

ZERO = Decimal(0)
_STATUS = {OrderStatus.CLOSED_WON: "won", OrderStatus.CLOSED_LOST: "lost"}


@dataclass(frozen=True, slots=True)
class OpenTask:
    key: str
    subject: str
    account: str
    due: date


@dataclass(frozen=True, slots=True)
class Health:
    tier: str | None
    score: Decimal | None
    parts: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ReportInputs:
    as_of: date
    renewals: list[DueRenewal]
    contracts: dict[str, list[Contract]]
    health: dict[str, Health]
    tasks: list[OpenTask]
    segments: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    """Account id -> its segment, and the name of its owner (retention's splits)."""

    def arr_on(self, day: date) -> dict[str, Decimal]:
        return {a: active_arr(cs, day) for a, cs in self.contracts.items()}


def gather(
    store: StateStore, crm: str, mapping: Mapping, rules: RuleSettings, as_of: date
) -> ReportInputs:
    world = load_world(store, crm, mapping)
    return ReportInputs(
        as_of,
        renewals(world),
        _contracts(world, rules, as_of),
        _health(world, mapping),
        _open_tasks(world, mapping),
        {a: account.segment for a, (account, _) in world.accounts.items()},
        {a: _owner_name(world, account.owner) for a, (account, _) in world.accounts.items()},
    )


def _owner_name(world: World, owner_id: str | None) -> str:
    user = world.users.get(owner_id or "")
    return (user.name if user and user.name else owner_id) or "(none)"


def renewals(world: World) -> list[DueRenewal]:
    """Every renewal opportunity in the CRM, with the contract it renews."""
    found = []
    for record in world.orders.values():
        order = record.order
        if order.type is not OrderType.RENEWAL:
            continue
        account = world.accounts.get(order.account_id)
        prior = world.orders.get(str(record.renews or order.amends or ""))
        owner = world.users.get(record.owner_id or "")
        found.append(
            DueRenewal(
                key=record.sync_key or order.id,
                account_id=order.account_id,
                account=(account[0].name if account else "") or order.account_id,
                segment=account[0].segment if account else "standard",
                owner=(owner.name if owner and owner.name else record.owner_id) or "(none)",
                due=record.close_date or order.start_date - timedelta(days=1),
                status=_STATUS.get(order.status, "open"),
                amount=record.amount or ZERO,
                prior_amount=(prior.amount if prior and prior.amount else ZERO),
            )
        )
    return sorted(found, key=lambda r: (r.due, r.key))


def _contracts(world: World, rules: RuleSettings, as_of: date) -> dict[str, list[Contract]]:
    contracts: dict[str, list[Contract]] = defaultdict(list)
    for key, records in world.subscriptions.items():
        account = world.accounts.get(key[0])
        result = evaluate_subscription(
            [r.order for r in records], as_of, rules, account=account[0] if account else None,
            key=key,
        )  # fmt: skip
        contracts[key[0]] += result.contracts
    return dict(contracts)


def _health(world: World, mapping: Mapping) -> dict[str, Health]:
    spec = mapping.write.get("account_rollup")
    if spec is None:
        return {}
    names = {c: f.field for c, f in spec.fields.items() if f.field}
    found = {}
    for account_id, raw in world.raw_accounts.items():
        tier = raw.get(names.get("health_tier", ""))
        score = _decimal(raw.get(names.get("health_score", "")))
        found[account_id] = Health(str(tier) if tier else None, score, _parts(raw, names))
    return found


def _parts(raw: Map[str, Any], names: Map[str, str]) -> dict[str, Decimal]:
    text = raw.get(names.get("health_parts", ""))
    try:
        parts = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    values = {k: _decimal(v.get("value")) for k, v in parts.items() if isinstance(v, dict)}
    return {k: v for k, v in values.items() if v is not None}


def _open_tasks(world: World, mapping: Mapping) -> list[OpenTask]:
    spec = mapping.write.get("task")
    if spec is None:
        return []
    fields = spec.fields
    due_field = fields["due_date"].field if "due_date" in fields else None
    status = fields.get("status")
    done = (
        {str(v) for k, v in (status.values or {}).items() if k == "completed"} if status else set()
    )
    subject = fields["subject"].field if "subject" in fields else None
    found = []
    for key, raw in world.by_sync_key.get("task", {}).items():
        if status is not None and status.field and str(raw.get(status.field)) in done:
            continue
        due = _day(raw.get(due_field or ""))
        if due is None:
            continue
        found.append(
            OpenTask(key, str(raw.get(subject or "") or key), _account_of(world, key), due)
        )
    return sorted(found, key=lambda t: (t.due, t.key))


def _account_of(world: World, task_key: str) -> str:
    """The account of the renewal a milestone task belongs to (`<renewal key>:task:<step>`)."""
    renewal_id = world.record_ids.get("renewal", {}).get(renewal_of_task(task_key), "")
    record = world.orders.get(renewal_id)
    if record is None:
        return ""
    account = world.accounts.get(record.order.account_id)
    return (account[0].name if account else "") or record.order.account_id


def _day(value: Any) -> date | None:
    """A task's due date as the CRM holds it (ISO text, or HubSpot's epoch milliseconds)."""
    if is_blank(value):
        return None
    try:
        return to_date(value)
    except CoerceError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if is_blank(value):
        return None
    try:
        return to_decimal(value)
    except CoerceError:
        return None
