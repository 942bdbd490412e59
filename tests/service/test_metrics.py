"""The daemon's metrics count runs, writes, rejections and API calls after each run."""

from __future__ import annotations

from prometheus_client import generate_latest

from sync.metrics import Metrics
from sync.pipeline.run import RunResult
from sync.state import RunStatus


def _sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_run_is_counted_with_its_writes_and_calls() -> None:
    metrics = Metrics()
    stats = {"written.renewal": 3, "written.task": 9, "failed.renewal_line": 1, "api_calls": 14}
    metrics.record(
        "salesforce", RunResult("r1", RunStatus.SUCCEEDED, stats), open_errors=2, now=1_700_000_000
    )
    metrics.record(
        "salesforce",
        RunResult("r2", RunStatus.DEFERRED, {"api_calls": 5}),
        open_errors=2,
        now=1_700_000_900,
    )
    assert _sample(metrics, "renewal_sync_runs_total", crm="salesforce", status="succeeded") == 1
    assert _sample(metrics, "renewal_sync_runs_total", crm="salesforce", status="deferred") == 1
    assert (
        _sample(metrics, "renewal_sync_records_written_total", crm="salesforce", kind="task") == 9
    )
    assert (
        _sample(
            metrics, "renewal_sync_records_rejected_total", crm="salesforce", kind="renewal_line"
        )
        == 1
    )
    assert _sample(metrics, "renewal_sync_api_calls_total", crm="salesforce") == 19
    assert _sample(metrics, "renewal_sync_open_errors", crm="salesforce") == 2
    assert (
        _sample(metrics, "renewal_sync_last_success_timestamp_seconds", crm="salesforce")
        == 1_700_000_000
    )
    assert b"renewal_sync_runs_total" in generate_latest(metrics.registry)
