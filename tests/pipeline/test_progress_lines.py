"""A long run is not silent: one log line per pulled page and per written batch, each with
the running total, on both CRMs (what an operator tails between run_started and
run_finished)."""

from __future__ import annotations

from datetime import date

from structlog.testing import capture_logs

from tests.pipeline.conftest import MakeOrg


def test_each_page_and_each_batch_is_a_progress_line(make_org: MakeOrg) -> None:
    org = make_org(orders=())
    with capture_logs() as logs:
        result = org.run(today=date(2026, 6, 30))
    assert result.status == "succeeded"
    pages = [e for e in logs if e["event"] == "pulled_page"]
    batches = [e for e in logs if e["event"] == "write_batch"]
    assert {e["stream"] for e in pages} >= {"account", "order", "line"}
    for stream in {e["stream"] for e in pages}:
        last = [e for e in pages if e["stream"] == stream][-1]
        assert last["total"] == result.stats[f"pulled.{stream}"]
    renewal = [e for e in batches if e["concept"] == "renewal"]
    assert renewal, "the renewals were written in at least one batch"
    assert renewal[-1]["batch"] == renewal[-1]["batches"]
    assert renewal[-1]["records"] == renewal[-1]["of"]
    assert all(e["records"] <= e["of"] for e in batches)
