"""The composition root: settings -> mapping, state store and CRM adapter, in that order.

Everything that can be checked without the network is checked first (settings, then the
mapping file), so bad configuration fails at start-up before any API call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from mappings import Mapping, MappingError, load, load_default
from sync.core.clock import Clock, utc_now
from sync.core.logs import get_logger, scrub
from sync.core.ports import AuthenticationError, CrmError, CrmPort, CrmUnavailableError
from sync.core.progress import NO_PROGRESS, Progress
from sync.core.stop import StopToken
from sync.pipeline.run import RunResult, SignalSource, record_unstarted, run_once
from sync.settings import Settings
from sync.state import RunStatus, StateStore

Sleep = Callable[[float], None]
log = get_logger("renewal_sync.service")


@dataclass(frozen=True)
class Service:
    """The service as `sync --once`, the daemon, a mapping preview and the demo run it.

    Built by `open_service`, which checks the configuration first; each `run_once` re-reads
    the mapping (an admin's edit applies at the next run), logs in, and runs the pipeline.
    """

    settings: Settings
    store: StateStore
    clock: Clock = utc_now

    def mapping(self) -> Mapping:
        """The mapping, re-read on every call: an admin's edit applies at the next run."""
        return load_mapping(self.settings)

    def run_once(
        self,
        *,
        dry_run: bool = False,
        stop: StopToken | None = None,
        mapping: Mapping | None = None,
        reconcile: bool = False,
        progress: Progress = NO_PROGRESS,
    ) -> RunResult:
        """One run of the pipeline against the configured CRM (`mapping` overrides the file:
        a preview of a changed mapping; `reconcile` reads the whole CRM and checks it)."""
        stop = stop or StopToken()
        try:
            used = mapping if mapping is not None else self.mapping()
            port = connect(self.settings, sleep=stop.sleep)
            signals = signal_source(self.settings, sleep=stop.sleep)
        except Exception as error:
            # A mapping broken while the daemon runs, a refused login, the CRM down at
            # connect, anything else before the pipeline: one line, and a run row.
            reason = startup_reason(self.settings, error)
            if not isinstance(error, CrmError):  # the CRM's refusal is the summary's one line
                log.error("run_failed_to_start", reason=reason)
            return record_unstarted(
                self.store, self.settings.crm, RunStatus.FAILED, reason,
                dry_run=dry_run, now=self.clock(), reconcile=reconcile,
            )  # fmt: skip
        return run_once(
            self.settings,
            self.store,
            port,
            used,
            dry_run=dry_run,
            stop=stop,
            clock=self.clock,
            signals=signals,
            reconcile=reconcile,
            progress=progress,
        )

    def close(self) -> None:
        self.store.close()


def load_mapping(settings: Settings) -> Mapping:
    """The admin's mapping file, or the shipped default for the CRM (raises MappingError)."""
    if settings.mapping_file is not None:
        return load(settings.mapping_file)
    return load_default(settings.crm)


def connect(settings: Settings, *, sleep: Sleep = time.sleep) -> CrmPort:
    """The adapter for `settings.crm`, logged in (raises CrmError when it cannot be)."""
    if settings.crm == "salesforce":
        from sync.connectors.salesforce import connect_salesforce  # noqa: PLC0415 - one CRM per process

        return connect_salesforce(settings, sleep=sleep)
    from sync.connectors.hubspot import connect_hubspot  # noqa: PLC0415 - one CRM per process

    return connect_hubspot(settings, sleep=sleep)


def startup_reason(settings: Settings, error: Exception) -> str:
    """The one line an admin reads when a run could not even start."""
    crm = "Salesforce" if settings.crm == "salesforce" else "HubSpot"
    if isinstance(error, MappingError):
        lines = str(error).splitlines()
        more = f" (+{len(lines) - 2} more)" if len(lines) > 2 else ""
        first = lines[1].strip() if len(lines) > 1 else lines[0]
        return f"mapping invalid: {lines[0]}: {first}{more}"
    if not isinstance(error, CrmError):
        return f"could not start: {type(error).__name__}: {scrub(str(error))}"
    if isinstance(error, AuthenticationError):
        said = scrub(error.message)  # the adapter's sentence already names the CRM
        return said if said.startswith(f"{crm} refused") else f"{crm} refused the login: {said}"
    if isinstance(error, CrmUnavailableError):
        return f"{crm} did not answer at login ({scrub(str(error))}); the next run tries again"
    return f"cannot connect to {crm}: {scrub(str(error))}"


def load_signals_mapping(settings: Settings) -> Mapping | None:
    """The HubSpot mapping health signals are read through, when signals come from HubSpot."""
    if settings.health_signals_from != "hubspot" or settings.crm == "hubspot":
        return None
    if settings.signals_mapping_file is not None:
        return load(settings.signals_mapping_file)
    return load_default("hubspot")


def signal_source(settings: Settings, *, sleep: Sleep = time.sleep) -> SignalSource | None:
    """HubSpot as the source of tickets and NPS for a Salesforce deployment (logs in)."""
    mapping = load_signals_mapping(settings)
    if mapping is None:
        return None
    from sync.connectors.hubspot import connect_hubspot  # noqa: PLC0415 - only when configured

    port = connect_hubspot(settings, sleep=sleep)
    return SignalSource(port, mapping, settings.health_match_on)


def open_service(settings: Settings, *, clock: Clock = utc_now) -> Service:
    """Check the mappings (raises MappingError), then open (and migrate) the state store;
    no API call yet."""
    try:
        load_mapping(settings)
        load_signals_mapping(settings)
    except MappingError as error:
        _record_invalid_mapping(settings, error, clock)
        raise
    return Service(settings, StateStore.open(settings.database_url), clock)


def _record_invalid_mapping(settings: Settings, error: MappingError, clock: Clock) -> None:
    """A mapping that stops the service at start-up is still a failed run in `runs` (and so
    on the status page and in alerts); a state database that cannot be opened either is
    left to the caller's one line."""
    try:
        store = StateStore.open(settings.database_url)
    except Exception:  # the mapping error is what the admin must see first
        return
    try:
        reason = startup_reason(settings, error)
        record_unstarted(store, settings.crm, RunStatus.FAILED, reason, dry_run=False, now=clock())
    finally:
        store.close()
