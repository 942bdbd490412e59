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
from mappings import Mapping, read_one
from sync.pipeline.context import RunContext
from sync.pipeline.keys import contract_of, is_legacy_renewal_key
from sync.pipeline.partition import key_owner
from sync.pipeline.pull import PullOutcome
from sync.pipeline.signals import SIGNAL_CONCEPTS
from sync.state import MirrorRecord, Run, Stage


def evaluates_everything(ctx: RunContext, config: str, last: Run | None) -> bool:
    """The first run of a day (milestones and end dates move with time) and the first run
    after an edited mapping or rule (it applies to every account, not only to those whose
    records happen to change) evaluate everything; one look at the last run for both."""
    return last is None or last.started_at.date() < ctx.today or last.stats.get("config") != config


def config_of(ctx: RunContext) -> str:
    """A fingerprint of everything an admin configures that the decisions depend on."""
    parts = (
        ctx.mapping.model_dump_json(), ctx.rules.model_dump_json(), ctx.health.model_dump_json(),
        str(ctx.amount_ceiling), str(ctx.lapsed_window_days), str(ctx.raise_deleted_renewals),
    )  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def placing_of(mapping: Mapping) -> str:
    """A fingerprint of what places mirrored records under their accounts: the mapping."""
    return hashlib.sha256(mapping.model_dump_json().encode()).hexdigest()[:16]


def placed_by_another(last: Run | None, placing: str) -> bool:
    """True when the last run placed the mirror's records under another mapping, or was
    made by a version that did not place them: every record is placed again
    (`partition.place_all`), and everything is evaluated (the first run of a new version
    also moves keys of an older scheme, `sync.pipeline.rekey`)."""
    return last is not None and last.stats.get("placing") != placing


def with_legacy_keys(ctx: RunContext) -> set[str]:
    """Accounts with a renewal still under a first-scheme key (`rn:<account>:<product>:
    <date>`, the account first): evaluated, so that their keys move (`sync.pipeline.rekey`)."""
    keys = ctx.store.written.keys_like(ctx.crm, "renewal", "rn:%:%")
    return {key_owner(k) for k in keys if is_legacy_renewal_key(k)}


def with_open_errors(ctx: RunContext) -> set[str]:
    """Accounts with a decide-stage error still open: evaluated every run until it clears
    (a ceiling raised, a record fixed outside what the pull saw)."""
    orders: set[str] = set()
    accounts: set[str] = set()
    for error in ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, notes=False):
        if error.object_type == "account":
            accounts.add(error.record_key)
        else:
            orders.add(contract_of(error.record_key))
    found = ctx.store.mirror.get(ctx.crm, "order", orders) if orders else {}
    live = ctx.store.mirror.get(ctx.crm, "account", accounts) if accounts else {}
    return {r.parent_id or "" for r in found.values()} | set(live)


def prices_moved(ctx: RunContext, pulled: PullOutcome) -> bool:
    """Under `list` pricing a price book change can move any renewal: evaluate them all."""
    return ctx.rules.pricing is PricingMethod.LIST and bool(pulled.touched.get("price"))


def touched_accounts(ctx: RunContext, pulled: PullOutcome) -> set[str]:
    """Accounts with any record pulled in this run (orders, lines, health signals, the
    account), found through the mirror's parents (`sync.pipeline.partition`): "" stands
    for the records whose account cannot be read, evaluated so their error is reported."""
    mirror, crm = ctx.store.mirror, ctx.crm
    touched = set(pulled.touched.get("account", set()))
    lines = pulled.touched.get("line", set())
    line_orders = {r.parent_id for r in mirror.get(crm, "line", lines).values() if r.parent_id}
    orders = mirror.get(crm, "order", pulled.touched.get("order", set()) | line_orders)
    bare = [r for r in orders.values() if not r.parent_id and r.is_deleted]
    bare_ids = {r.record_id for r in bare}
    touched |= {r.parent_id or "" for r in orders.values() if r.record_id not in bare_ids}
    touched |= _accounts_of_bare(ctx, bare)
    for concept in SIGNAL_CONCEPTS:
        ids = pulled.touched.get(concept, set())
        found = mirror.get(crm, concept, ids) if ids else {}
        touched |= {r.parent_id or "" for r in found.values()}
    return touched


def _accounts_of_bare(ctx: RunContext, bare: list[MirrorRecord]) -> set[str]:
    """The accounts of deleted orders answered without one (HubSpot's archived list): by the
    contract they renew or amend, or, for a renewal of ours, by the contract its key names."""
    if not bare:
        return set()
    ours = ctx.store.written.by_record_ids(ctx.crm, "renewal", [r.record_id for r in bare])
    contracts: set[str] = set()
    for record in bare:
        for name in ("renews", "amends"):
            contract = _read(ctx, "order", name, dict(record.data))
            if contract not in (None, ""):
                contracts.add(str(contract))
        if record.record_id in ours:
            contracts.add(contract_of(ours[record.record_id].external_key))
    found = ctx.store.mirror.get(ctx.crm, "order", contracts) if contracts else {}
    return {r.parent_id for r in found.values() if r.parent_id}


def _read(ctx: RunContext, concept: str, name: str, raw: dict[str, Any] | None) -> Any:
    if raw is None or concept not in ctx.mapping.read:
        return None
    try:
        return read_one(concept, name, raw, ctx.mapping)
    except Exception:  # an unreadable record touches nothing; its error is reported elsewhere
        return None
