"""Everything one run needs, passed explicitly: no globals, no wall clock inside the steps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from contract_rules import HealthSettings, RuleSettings
from mappings import Mapping
from sync.core.ports import CrmPort
from sync.core.progress import NO_PROGRESS, Progress
from sync.core.stop import StoppedError, StopToken
from sync.state import StateStore
from sync.state.lock import RunLock


@dataclass(frozen=True, kw_only=True)
class RunContext:
    """One run's world: which CRM, which store, which mapping and rules, which day.

    Built once per run by keyword and never changed: a step that narrows the mapping (schema
    drift) returns the narrowed one, and the run goes on with `replace(ctx, mapping=...)`.
    `stats` is the run's tally, the one thing the steps add to.
    """

    port: CrmPort
    store: StateStore
    mapping: Mapping
    rules: RuleSettings
    health: HealthSettings
    today: date
    started_at: datetime
    run_id: str
    stop: StopToken = field(default_factory=StopToken)
    dry_run: bool = False
    complete: bool = False
    """Read every stream from its start, cursors notwithstanding (reconciliation)."""
    lookback: timedelta = timedelta(minutes=5)
    lock: RunLock | None = None
    stats: Counter[str] = field(default_factory=Counter)
    lapsed_window_days: int = 90
    amount_ceiling: Decimal = Decimal(1_000_000_000)
    raise_deleted_renewals: bool = False
    batch_orders: int = 5_000
    """About how many orders one batch of accounts holds (`sync.pipeline.partition`)."""
    progress: Progress = NO_PROGRESS
    estimates: dict[str, int] = field(default_factory=dict)
    """Per stream, the records a complete read is expected to return (the mirror's count)."""
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per CRM object, the characters each text field holds (describe, once per run)."""

    @property
    def crm(self) -> str:
        return self.port.name

    def checkpoint(self) -> None:
        """Between batches: keep the run lock alive and honour a stop request."""
        if self.lock is not None:
            self.lock.renew()
        if self.stop.requested:
            raise StoppedError("stop requested")
