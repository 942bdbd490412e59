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


class Recorded:
    """A terminal stand-in: every update the run gave, in order."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, int, int | None, str]] = []
        self.finished = 0

    def update(self, stage: str, done: int, of: int | None = None, detail: str = "") -> None:
        self.updates.append((stage, done, of, detail))

    def finish(self) -> None:
        self.finished += 1


def test_a_terminal_sees_each_stage_with_an_estimate_on_a_complete_read(make_org: MakeOrg) -> None:
    org = make_org(orders=())
    first = Recorded()
    org.run(today=date(2026, 6, 30), progress=first)
    assert first.finished == 1
    stages = [u[0] for u in first.updates]
    assert "pull order" in stages
    assert "write renewal" in stages
    (renewal,) = [u for u in first.updates if u[0] == "write renewal"]
    assert renewal[3] == "batch 1 of 1 (1 of 1)"
    # a first read has nothing to estimate from; a complete read later has the mirror's count
    assert {u[2] for u in first.updates if u[0] == "pull order"} == {None}
    org.run(today=date(2026, 6, 30))  # reads the service's own writes back
    again = Recorded()
    org.run(today=date(2026, 6, 30), progress=again, reconcile=True)
    orders = [u for u in again.updates if u[0] == "pull order"]
    assert orders[-1][2] == org.store.mirror.count(org.crm, "order")
    assert orders[-1][1] == orders[-1][2]
