"""What one run evaluates: every account, or only those its pull touched.

A full run, the first run of a day (milestones and end dates move with time), a changed
mapping or rule (a fingerprint of the configuration against the last run's), and a moved
price book under `list` pricing evaluate everything. Otherwise only the accounts of records
that are news (`sync.pipeline.news`), plus those with a decide-stage error still open, so it
is retried until it clears.
"""

from __future__ import annotations

import hashlib
from typing import Any

from contract_rules.settings import PricingMethod
from mappings import read_one
from mappings.streams import WRITTEN_PREFIX
from sync.pipeline.context import RunContext
from sync.pipeline.keys import contract_of
from sync.pipeline.pull import PullOutcome
from sync.pipeline.signals import SIGNAL_CONCEPTS
from sync.pipeline.world import World
from sync.state import Stage


def evaluates_everything(ctx: RunContext, config: str) -> bool:
    """The first run of a day (milestones and end dates move with time) and the first run
    after an edited mapping or rule (it applies to every account, not only to those whose
    records happen to change) evaluate everything; one look at the last run for both."""
    last = ctx.store.runs.last(ctx.crm)
    return last is None or last.started_at.date() < ctx.today or last.stats.get("config") != config


def config_of(ctx: RunContext) -> str:
    """A fingerprint of everything an admin configures that the decisions depend on."""
    parts = (
        ctx.mapping.model_dump_json(), ctx.rules.model_dump_json(), ctx.health.model_dump_json(),
        str(ctx.amount_ceiling), str(ctx.lapsed_window_days), str(ctx.raise_deleted_renewals),
    )  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def with_open_errors(ctx: RunContext, world: World) -> set[str]:
    """Accounts with a decide-stage error still open: evaluated every run until it clears
    (a ceiling raised, a record fixed outside what the pull saw)."""
    found: set[str] = set()
    for error in ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, notes=False):
        key = error.record_key
        order = world.orders.get(contract_of(key))
        if order is not None:
            found.add(order.order.account_id)
        elif error.object_type == "account" and key in world.accounts:
            found.add(key)
    return found


def prices_moved(ctx: RunContext, pulled: PullOutcome) -> bool:
    """Under `list` pricing a price book change can move any renewal: evaluate them all."""
    return ctx.rules.pricing is PricingMethod.LIST and bool(pulled.touched.get("price"))


def touched_accounts(ctx: RunContext, world: World, pulled: PullOutcome) -> set[str]:
    """Accounts with any record pulled in this run (orders, lines, health signals, the
    account)."""
    touched = set(pulled.touched.get("account", set()))
    orders = pulled.touched.get("order", set())
    gone = {r for r in orders if r not in world.raw_orders}  # deleted: only the mirror knows
    deleted = ctx.store.mirror.get(ctx.crm, "order", gone) if gone else {}
    ours = ctx.store.written.by_record_ids(ctx.crm, "renewal", gone) if gone else {}
    for record_id in orders:
        order = world.orders.get(record_id)
        raw = world.raw_orders.get(record_id)
        if raw is None and record_id in deleted:
            raw = dict(deleted[record_id].data)
        account = order.order.account_id if order else _read(ctx, "order", "account_id", raw)
        if account in (None, "") and raw is not None:  # a deleted record answered bare
            account = _account_of_contract(ctx, world, raw)
        if account in (None, "") and record_id in ours:  # a renewal of ours: by its key
            contract = world.orders.get(contract_of(ours[record_id].external_key))
            account = contract.order.account_id if contract else None
        touched.add(str(account))
    for record_id in pulled.touched.get("line", set()):
        order_id = _read(ctx, "line", "order_id", world.raw_lines.get(record_id))
        order = world.orders.get(str(order_id))
        if order is not None:
            touched.add(order.order.account_id)
    for concept in SIGNAL_CONCEPTS:
        ids = pulled.touched.get(concept, set())
        found = ctx.store.mirror.get(ctx.crm, concept, ids) if ids else {}
        for record in found.values():
            touched.add(str(_read(ctx, concept, "account_id", dict(record.data))))
    return {t for t in touched if t and t != "None" and not t.startswith(WRITTEN_PREFIX)}


def _account_of_contract(ctx: RunContext, world: World, raw: dict[str, Any]) -> str | None:
    """The account of the contract a (deleted) renewal renews or amends."""
    for name in ("renews", "amends"):
        contract = world.orders.get(str(_read(ctx, "order", name, raw)))
        if contract is not None:
            return contract.order.account_id
    return None


def _read(ctx: RunContext, concept: str, name: str, raw: dict[str, Any] | None) -> Any:
    if raw is None or concept not in ctx.mapping.read:
        return None
    try:
        return read_one(concept, name, raw, ctx.mapping)
    except Exception:  # an unreadable record touches nothing; its error is reported elsewhere
        return None
