"""Prometheus metrics of the daemon: what ran, what it wrote, what it cost, what is stuck.

One registry per process (not the global default, so tests can build their own); the daemon
serves it on `metrics_port` when that setting is set. Counters only ever grow; the gauges say
how things stand after the last run.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from sync.pipeline.run import RunResult
from sync.state import RunStatus


class Metrics:
    """The metrics a RevOps operator alerts on."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.runs = Counter(
            "renewal_sync_runs",
            "Sync runs by final status",
            ["crm", "status"],
            registry=self.registry,
        )
        self.written = Counter(
            "renewal_sync_records_written", "Records written to the CRM", ["crm", "kind"],
            registry=self.registry,
        )  # fmt: skip
        self.rejected = Counter(
            "renewal_sync_records_rejected", "Records the CRM refused", ["crm", "kind"],
            registry=self.registry,
        )  # fmt: skip
        self.api_calls = Counter(
            "renewal_sync_api_calls", "CRM API calls made", ["crm"], registry=self.registry
        )
        self.open_errors = Gauge(
            "renewal_sync_open_errors", "Per-record errors waiting for an admin", ["crm"],
            registry=self.registry,
        )  # fmt: skip
        self.duration = Gauge(
            "renewal_sync_last_run_duration_seconds", "How long the last run took", ["crm"],
            registry=self.registry,
        )  # fmt: skip
        self.allowance_left = Gauge(
            "renewal_sync_api_allowance_remaining", "Daily API calls left, as the CRM last said",
            ["crm"], registry=self.registry,
        )  # fmt: skip
        self.failing = Gauge(
            "renewal_sync_failing", "1 while the last run failed, 0 once one succeeds", ["crm"],
            registry=self.registry,
        )  # fmt: skip
        self.last_success = Gauge(
            "renewal_sync_last_success_timestamp_seconds", "When the last run succeeded",
            ["crm"], registry=self.registry,
        )  # fmt: skip

    def prime(self, crm: str) -> None:
        """Every run status at 0 from the start, so an alert rule on failures has a series to
        watch before the first run ends (and even when no run ever succeeds)."""
        for status in RunStatus:
            self.runs.labels(crm, status.value)
        self.api_calls.labels(crm)
        self.failing.labels(crm).set(0)

    def record(
        self,
        crm: str,
        result: RunResult,
        *,
        open_errors: int,
        now: float,
        duration: float | None = None,
    ) -> None:
        """Count one finished run (a skipped run, another runner's turn, counts as skipped)."""
        self.runs.labels(crm, result.status).inc()
        for key, value in result.stats.items():
            kind = key.partition(".")[2]
            if key.startswith("written.") and value:
                self.written.labels(crm, kind).inc(value)
            elif key.startswith("failed.") and value:
                self.rejected.labels(crm, kind).inc(value)
        self.api_calls.labels(crm).inc(int(result.stats.get("api_calls", 0)))
        self.open_errors.labels(crm).set(open_errors)
        if duration is not None:
            self.duration.labels(crm).set(duration)
        if "allowance_limit" in result.stats:
            left = int(result.stats["allowance_limit"]) - int(result.stats["allowance_used"])
            self.allowance_left.labels(crm).set(left)
        if result.status is RunStatus.FAILED:
            self.failing.labels(crm).set(1)
        if result.status is RunStatus.SUCCEEDED:
            self.failing.labels(crm).set(0)
            self.last_success.labels(crm).set(now)

    def serve(self, port: int) -> None:
        """Expose /metrics on 0.0.0.0:`port` in a background thread."""
        start_http_server(port, registry=self.registry)
