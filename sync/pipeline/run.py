"""One sync run: take the run lock, pull, decide, push, and record how it ended.

Statuses (sync.state.RunStatus): succeeded; deferred when the API allowance (or its
configured share) ran out - cursors and writes so far are kept, the next run resumes;
interrupted when a stop was requested between batches; failed when the CRM stayed
unreachable or refused the credentials. A second runner that finds the lock taken does
nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from contract_rules.settings import PricingMethod, RuleSettings
from mappings import Mapping
from sync.core.clock import Clock, utc_now
from sync.core.logs import bound_run, get_logger, scrub
from sync.core.ports import AuthenticationError, CrmPort, CrmUnavailableError, DeferRunError
from sync.core.progress import NO_PROGRESS, Progress
from sync.core.stop import StoppedError, StopToken
from sync.pipeline.context import RunContext
from sync.pipeline.decide import ABOVE_CEILING
from sync.pipeline.plan import Plan, build_plan
from sync.pipeline.pull import PullOutcome, pull_all
from sync.pipeline.push import PushReport, push
from sync.pipeline.reconcile import (
    Gap,
    change_gaps,
    file_gaps,
    invariant_gaps,
    mark_vanished,
    settle,
    tally,
)
from sync.pipeline.rekey import migrate_legacy_keys
from sync.pipeline.scope import (
    config_of,
    evaluates_everything,
    prices_moved,
    touched_accounts,
    with_open_errors,
)
from sync.pipeline.signals import (
    MATCH_OBJECT,
    apply_signals,
    load_signals,
    match_accounts,
    match_failures,
    pull_signals,
    signal_failures,
    touched_by_signals,
)
from sync.pipeline.stages import with_stage_meanings
from sync.pipeline.world import World, load_world
from sync.settings import Settings
from sync.state import RunMode, RunStatus, Stage, StateStore

log = get_logger("renewal_sync.run")


@dataclass
class RunResult:
    """How a run ended and what it did; `plan` and `report` are set when it got that far."""

    run_id: str | None
    status: RunStatus
    stats: dict[str, Any] = field(default_factory=dict)
    plan: Plan | None = None
    report: PushReport | None = None
    world: World | None = None
    error: str | None = None
    gaps: list[Gap] | None = None  # set by a reconciliation that got as far as its push
    began: bool = True  # False: skipped, or failed before the pipeline (a refused login)


def run_once(
    settings: Settings,
    store: StateStore,
    port: CrmPort,
    mapping: Mapping,
    *,
    today: date | None = None,
    dry_run: bool = False,
    stop: StopToken | None = None,
    clock: Clock = utc_now,
    signals: SignalSource | None = None,
    reconcile: bool = False,
    progress: Progress = NO_PROGRESS,
) -> RunResult:
    """One run under the run lock; returns status SKIPPED when another runner holds it.

    `reconcile`: read the whole CRM again and check the invariants (`sync.pipeline.reconcile`);
    with `dry_run` too, only report the gaps."""
    lock = store.run_lock()
    if not lock.try_acquire():
        holder = lock.holder_now()
        reason = "another runner holds the run lock" + (f" ({holder})" if holder else "")
        log.info("run_skipped", reason=reason)
        return record_unstarted(
            store, port.name, RunStatus.SKIPPED, reason, dry_run=dry_run, now=clock(),
            reconcile=reconcile,
        )  # fmt: skip
    try:
        started = clock()
        mode = _mode(store, port.name, dry_run, reconcile=reconcile)
        run = store.runs.start(port.name, mode, now=started)
        ctx = RunContext(
            port=port,
            store=store,
            mapping=mapping,
            rules=rules_for(settings, mapping),
            health=settings.health,
            today=today or settings.today or started.date(),
            started_at=started,
            run_id=run.run_id,
            stop=stop or StopToken(),
            dry_run=dry_run,
            complete=reconcile,
            progress=progress,
            lookback=timedelta(seconds=settings.lookback_seconds),
            lock=lock,
            lapsed_window_days=settings.lapsed_window_days,
            amount_ceiling=settings.amount_ceiling,
            raise_deleted_renewals=settings.raise_deleted_renewals,
        )
        with bound_run(run.run_id, crm=port.name, mode=mode.value):
            try:
                return _run(ctx, full=mode is not RunMode.INCREMENTAL, signals=signals)
            finally:
                progress.finish()
    finally:
        lock.release()


def record_unstarted(
    store: StateStore,
    crm: str,
    status: RunStatus,
    reason: str,
    *,
    dry_run: bool,
    now: datetime,
    reconcile: bool = False,
) -> RunResult:
    """A run that never started - another runner holds the lock (skipped), the CRM refused
    the login (failed) - is still a row in `runs`, with its one-line reason."""
    mode = _mode(store, crm, dry_run, reconcile=reconcile)
    run = store.runs.record_unstarted(crm, mode, status, reason, now=now)
    return RunResult(run.run_id, status, error=reason, began=False)


def _allowance(port: CrmPort) -> dict[str, int]:
    """The day's allowance as the CRM last reported it (for metrics and alerts)."""
    try:
        usage = port.usage()
    except Exception:
        return {}
    return {} if usage is None else {"allowance_used": usage.used, "allowance_limit": usage.limit}


def rules_for(settings: Settings, mapping: Mapping) -> RuleSettings:
    """The rule settings, with how this org records upgrades (the mapping's setting)."""
    return settings.rules.model_copy(update={"upgrade_lines": mapping.settings.upgrade_lines})


def priced_from(rules: RuleSettings, world: World) -> RuleSettings:
    """`list` pricing reads the CRM's price book; the settings' `list_prices` table
    overrides it sku by sku (a price agreed outside the CRM, a sku the book lacks)."""
    if rules.pricing is not PricingMethod.LIST:
        return rules
    return rules.model_copy(update={"list_prices": world.list_prices() | rules.list_prices})


_PREVIEWS = frozenset({RunMode.DRY_RUN, RunMode.RECONCILE_DRY})


def _mode(store: StateStore, crm: str, dry_run: bool, *, reconcile: bool = False) -> RunMode:
    """Full after a dry run: it moved the cursors without acting on what it pulled, so an
    incremental run would never evaluate the accounts those records touched."""
    if reconcile:
        return RunMode.RECONCILE_DRY if dry_run else RunMode.RECONCILE
    if dry_run:
        return RunMode.DRY_RUN
    last = store.runs.last(crm)
    return RunMode.INCREMENTAL if last is not None and last.mode not in _PREVIEWS else RunMode.FULL


def _run(ctx: RunContext, *, full: bool, signals: SignalSource | None = None) -> RunResult:
    result = RunResult(ctx.run_id, RunStatus.SUCCEEDED)
    status, error = RunStatus.SUCCEEDED, None
    config = config_of(ctx)
    try:
        log.info("run_started", today=ctx.today.isoformat())
        everything = evaluates_everything(ctx, config)
        pulled = pull_all(ctx)
        # narrowed when a mapped field has gone; stage meanings from the CRM's pipelines
        ctx = replace(ctx, mapping=with_stage_meanings(pulled.mapping, ctx.port))
        signal_pull = pull_signals(ctx, signals.port, signals.mapping) if signals else None
        vanished = mark_vanished(ctx, pulled) if ctx.complete else []
        result.world = load_world(ctx.store, ctx.crm, ctx.mapping)
        ctx = replace(ctx, rules=priced_from(ctx.rules, result.world))
        migrate_legacy_keys(ctx, result.world)
        everything = full or everything or prices_moved(ctx, pulled)
        accounts = None if everything else touched_accounts(ctx, result.world, pulled)
        if accounts is not None:
            accounts |= with_open_errors(ctx, result.world)
        if signals is not None and signal_pull is not None:
            touched = _use_signals(ctx, result.world, signals, signal_pull)
            accounts = None if accounts is None else accounts | touched
        result.plan = build_plan(ctx, result.world, accounts)
        _book_decisions(ctx, result.world, result.plan)
        found = invariant_gaps(ctx, result.world, result.plan) if ctx.complete else []
        result.report = push(ctx, result.world, result.plan, skipped=set(pulled.skipped))
        if ctx.complete:
            result.gaps = vanished + settle(ctx, found, result.report)
            result.gaps += change_gaps(ctx, result.world, result.report)
            tally(ctx, result.gaps)
            if not ctx.dry_run:
                file_gaps(ctx, result.gaps)
    except DeferRunError as exc:
        status, error = RunStatus.DEFERRED, str(exc)
    except StoppedError:
        status, error = RunStatus.INTERRUPTED, "stop requested; the batch in flight was finished"
    except (CrmUnavailableError, AuthenticationError) as exc:
        status, error = RunStatus.FAILED, str(exc)
    except Exception as exc:
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        log.exception("run_crashed")
    result.status, result.error = status, scrub(error) if error else None
    stats: dict[str, Any] = dict(ctx.stats) | {"api_calls": ctx.port.calls}
    result.stats = stats | _allowance(ctx.port) | {"config": config}
    ctx.store.runs.finish(ctx.run_id, status, stats=result.stats, error=result.error)
    log.info("run_finished", status=status.value, **result.stats)
    return result


@dataclass(frozen=True)
class SignalSource:
    """Another CRM that health signals (tickets, NPS) come from, and how accounts match."""

    port: CrmPort
    mapping: Mapping
    match_on: str = "domain"


def _use_signals(
    ctx: RunContext, world: World, source: SignalSource, pulled: PullOutcome
) -> set[str]:
    """Replace the org's own support and NPS signals with the matched HubSpot company's."""
    signals = load_signals(ctx.store, source.port.name, source.mapping)
    match = match_accounts(world.accounts, signals.companies, source.match_on)
    apply_signals(world, signals, match)
    ctx.stats["signals.matched"] += len(match.matched)
    ctx.stats["signals.unmatched"] += len(match.unmatched) + len(match.ambiguous)
    if not ctx.dry_run:
        failures = match_failures(ctx, match) + signal_failures(ctx, source.port.name, signals)
        if failures:
            ctx.store.errors.record(failures, run_id=ctx.run_id)
        ctx.store.errors.resolve(ctx.crm, MATCH_OBJECT, match.matched, stage=Stage.DECIDE)
        for concept, readable in signals.readable.items():
            _resolve_readable(ctx, f"{source.port.name}:{concept}", readable)
    return touched_by_signals(pulled, signals, match)


def _book_decisions(ctx: RunContext, world: World, plan: Plan) -> None:
    """Keep decide-stage problems for admins; clear the ones whose records now read fine."""
    ctx.stats["decide_failures"] += len(plan.failures)
    ctx.stats["subscriptions"] += plan.subscriptions
    if ctx.dry_run:
        return
    if plan.failures:
        ctx.store.errors.record(plan.failures, run_id=ctx.run_id)
    ctx.store.errors.resolve(ctx.crm, "order", plan.clean_orders, stage=Stage.DECIDE)
    for concept, readable in world.readable.items():
        if concept != "order":  # an order is clean only when the rules accepted it too
            _resolve_readable(ctx, concept, readable)
    kept = ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, object_type="renewal")
    planned = {p.intent.key for p in plan.renewals}
    back = [e.record_key for e in kept if e.code == ABOVE_CEILING and e.record_key in planned]
    if back:  # the amount is plausible again: the renewal is written, its error resolved
        ctx.store.errors.resolve(ctx.crm, "renewal", back, stage=Stage.DECIDE)


def _resolve_readable(ctx: RunContext, object_type: str, readable: set[str]) -> None:
    """Resolve the kept errors of records that now translate (only those with an error)."""
    kept = ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, object_type=object_type)
    now_readable = [e.record_key for e in kept if e.record_key in readable]
    if now_readable:
        ctx.store.errors.resolve(ctx.crm, object_type, now_readable, stage=Stage.DECIDE)
