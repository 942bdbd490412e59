"""One sync run: take the run lock, pull, decide, push, and record how it ended.

Statuses (sync.state.RunStatus): succeeded; deferred when the API allowance (or its
configured share) ran out - cursors and writes so far are kept, the next run resumes;
interrupted when a stop was requested between batches; failed when the CRM stayed
unreachable or refused the credentials. A second runner that finds the lock taken does
nothing and says so.
"""

from __future__ import annotations

from collections.abc import Iterator
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
from sync.pipeline.partition import all_accounts, batches, place_all
from sync.pipeline.plan import Plan, build_plan, translation_failures
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
    placed_by_another,
    placing_of,
    prices_moved,
    touched_accounts,
    with_legacy_keys,
    with_open_errors,
)
from sync.pipeline.signals import (
    MATCH_OBJECT,
    Match,
    Signals,
    apply_signals,
    load_signals,
    match_accounts,
    match_failures,
    pull_signals,
    signal_failures,
    touched_by_signals,
)
from sync.pipeline.stages import with_stage_meanings
from sync.pipeline.world import World, load_accounts, load_shared, load_world
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
            batch_orders=settings.evaluate_batch_orders,
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
    config, placing = config_of(ctx), placing_of(ctx.mapping)
    try:
        log.info("run_started", today=ctx.today.isoformat())
        last = ctx.store.runs.last(ctx.crm)  # one look at the last run for both rules
        everything = evaluates_everything(ctx, config, last)
        replace_places = placed_by_another(last, placing)
        pulled = pull_all(ctx, news_ids=not (full or everything or replace_places) or bool(signals))
        # narrowed when a mapped field has gone; stage meanings from the CRM's pipelines
        ctx = replace(ctx, mapping=with_stage_meanings(pulled.mapping, ctx.port))
        signal_pull = pull_signals(ctx, signals.port, signals.mapping) if signals else None
        vanished = mark_vanished(ctx, pulled) if ctx.complete else []
        place_all(ctx.store, ctx.crm, ctx.mapping, again=replace_places)
        shared = load_shared(ctx.store, ctx.crm, ctx.mapping)
        _book_shared(ctx, shared)
        ctx = replace(ctx, rules=priced_from(ctx.rules, shared))
        everything = full or everything or replace_places or prices_moved(ctx, pulled)
        matched = _match_signals(ctx, signals, signal_pull) if signals and signal_pull else None
        scopes = _scopes(ctx, everything, pulled, matched)
        gaps = _evaluate(ctx, scopes, shared, result, skipped=set(pulled.skipped), matched=matched)
        if ctx.complete:
            result.gaps = vanished + gaps
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
    result.stats = stats | _allowance(ctx.port) | {"config": config, "placing": placing}
    ctx.store.runs.finish(ctx.run_id, status, stats=result.stats, error=result.error)
    log.info("run_finished", status=status.value, **result.stats)
    return result


def _scopes(
    ctx: RunContext, everything: bool, pulled: PullOutcome, matched: MatchedSignals | None
) -> Iterator[set[str] | None]:
    """The accounts to evaluate, batch by batch: everything (None: the whole org at once,
    when it is small enough), or only those this run's news touched."""
    if everything:
        yield from all_accounts(ctx.store, ctx.crm, limit=ctx.batch_orders)
        return
    accounts = touched_accounts(ctx, pulled) | with_open_errors(ctx) | with_legacy_keys(ctx)
    if matched is not None:
        accounts |= matched.touched
    if not accounts:  # a quiet run: not even the count of each account's orders
        return
    sizes = ctx.store.mirror.parent_sizes(ctx.crm, "order")
    touched = {account: sizes.get(account, 0) for account in accounts}
    yield from batches(touched, sorted(accounts), limit=ctx.batch_orders)


def _evaluate(
    ctx: RunContext,
    scopes: Iterator[set[str] | None],
    shared: World,
    result: RunResult,
    *,
    skipped: set[str],
    matched: MatchedSignals | None,
) -> list[Gap]:
    """Decide and push one batch of accounts at a time; only one batch's world is held.

    An account is evaluated once per run: a batch widened into another account (a
    subscription crossing through `amends`) takes that account's whole component with it,
    and later batches leave it out. The result keeps the plan, the report and the world of
    a run that needed one batch; for more, only a dry run keeps the report (its review
    lists every change), and the stats count the rest."""
    evaluated: set[str] = set()
    gaps: list[Gap] = []
    ctx.stats.update(subscriptions=0, batches=0)  # stated even when nothing is news
    first = True
    for scope in scopes:
        accounts = None if scope is None else scope - evaluated
        if accounts is not None and not accounts:
            continue
        if not first and not ctx.dry_run:  # let the last batch go before the next one loads
            result.world = result.plan = result.report = None
        world = load_world(ctx.store, ctx.crm, ctx.mapping, accounts, shared=shared)
        if world.scope is not None:
            evaluated |= world.scope
        migrate_legacy_keys(ctx, world)
        if matched is not None:
            apply_signals(world, matched.signals, matched.match)
        plan = build_plan(ctx, world, world.scope)
        _book_decisions(ctx, world, plan)
        found = invariant_gaps(ctx, world, plan) if ctx.complete else []
        report = push(ctx, world, plan, skipped=skipped)
        if ctx.complete:
            gaps += settle(ctx, found, report) + change_gaps(ctx, world, report)
        _keep(ctx, result, world, plan, report, first=first)
        del world, plan, report, found  # one batch in memory at a time, not two
        ctx.stats["batches"] += 1
        first = False
    return gaps


def _keep(
    ctx: RunContext, result: RunResult, world: World, plan: Plan, report: PushReport, *, first: bool
) -> None:
    """What the result holds of one batch (see `_evaluate`)."""
    if first:
        result.world, result.plan, result.report = world, plan, report
        return
    result.plan = None
    if not ctx.dry_run:
        return  # the last batch's was let go before this one loaded
    assert result.report is not None
    assert result.world is not None
    for concept, items in report.changes.items():
        result.report.changes.setdefault(concept, []).extend(items)
    result.report.edited |= report.edited
    result.world = World(accounts=result.world.accounts | world.accounts)  # names, for the review


@dataclass(frozen=True)
class SignalSource:
    """Another CRM that health signals (tickets, NPS) come from, and how accounts match."""

    port: CrmPort
    mapping: Mapping
    match_on: str = "domain"


@dataclass(frozen=True)
class MatchedSignals:
    """The other CRM's signals, matched to this org's accounts once per run."""

    signals: Signals
    match: Match
    touched: set[str]


def _match_signals(ctx: RunContext, source: SignalSource, pulled: PullOutcome) -> MatchedSignals:
    """Match the other CRM's companies to every account (the accounts alone are read for
    it), file what cannot be matched, and name the accounts whose signals changed."""
    signals = load_signals(ctx.store, source.port.name, source.mapping)
    accounts = load_accounts(ctx.store, ctx.crm, ctx.mapping)
    match = match_accounts(accounts, signals.companies, source.match_on)
    ctx.stats["signals.matched"] += len(match.matched)
    ctx.stats["signals.unmatched"] += len(match.unmatched) + len(match.ambiguous)
    if not ctx.dry_run:
        failures = match_failures(ctx, match) + signal_failures(ctx, source.port.name, signals)
        if failures:
            ctx.store.errors.record(failures, run_id=ctx.run_id)
        ctx.store.errors.resolve(ctx.crm, MATCH_OBJECT, match.matched, stage=Stage.DECIDE)
        for concept, readable in signals.readable.items():
            _resolve_readable(ctx, f"{source.port.name}:{concept}", readable)
    return MatchedSignals(signals, match, touched_by_signals(pulled, signals, match))


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


def _book_shared(ctx: RunContext, shared: World) -> None:
    """Prices and users are read whole every run: their errors are kept and cleared here,
    once, whichever accounts the run evaluates."""
    failures = translation_failures(ctx, shared)
    ctx.stats["decide_failures"] += len(failures)
    if ctx.dry_run:
        return
    if failures:
        ctx.store.errors.record(failures, run_id=ctx.run_id)
    for concept, readable in shared.readable.items():
        _resolve_readable(ctx, concept, readable)


def _resolve_readable(ctx: RunContext, object_type: str, readable: set[str]) -> None:
    """Resolve the kept errors of records that now translate (only those with an error)."""
    kept = ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, object_type=object_type)
    now_readable = [e.record_key for e in kept if e.record_key in readable]
    if now_readable:
        ctx.store.errors.resolve(ctx.crm, object_type, now_readable, stage=Stage.DECIDE)
