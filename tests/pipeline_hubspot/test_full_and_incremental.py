"""A full run raises every renewal once; an unchanged incremental rerun writes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from tests.db_fixtures import DbTarget
from tests.pipeline_hubspot.conftest import MakeHarness, new_sandbox
from tests.pipeline_hubspot.harness import KEY, crm_state


def test_full_then_incremental_run_on_each_database(
    make_harness: MakeHarness, db_target: DbTarget
) -> None:
    harness = make_harness(new_sandbox(), db_target)
    first = harness.run()
    assert first.status == "succeeded", first.error
    assert first.stats["written.renewal"] > 0
    assert first.stats["written.renewal_line"] > 0
    assert first.stats["written.task"] > 0
    keys = Counter(d.props[KEY] for d in harness.renewals())
    assert keys
    assert max(keys.values()) == 1

    harness.sandbox.ledger.reset()
    second = harness.run()
    assert second.status == "succeeded", second.error
    assert harness.sandbox.ledger.writes == 0
    run = harness.store.runs.get(second.run_id or "")
    assert run is not None
    assert run.mode.value == "incremental"


def test_a_rerun_with_nothing_changed_makes_no_write_call(make_harness: MakeHarness) -> None:
    harness = make_harness(new_sandbox(seed=5))
    assert harness.run().status == "succeeded"
    before = crm_state(harness.sandbox)
    for _ in range(2):
        harness.sandbox.ledger.reset()
        assert harness.run().status == "succeeded"
        assert harness.sandbox.ledger.writes == 0
    assert crm_state(harness.sandbox) == before


def test_every_open_renewal_is_one_deal_per_subscription_term_with_its_lines(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(new_sandbox(deals=120, seed=9))
    harness.run()
    open_renewals = [d for d in harness.renewals() if d.props.get("hs_is_closed") != "true"]
    assert open_renewals
    terms = Counter(
        (tuple(harness.sandbox.associated_ids("deals", d.id, "companies")),
         d.props.get("product_family"), d.props.get("contract_start_date"))
        for d in open_renewals
    )  # fmt: skip
    assert max(terms.values()) == 1
    ours = [d for d in open_renewals if d.props.get("renewal_computed_amount") == d.props["amount"]]
    assert ours
    for renewal in ours:
        assert len(harness.sandbox.associated_ids("deals", renewal.id, "companies")) == 1
        yearly = sum(Decimal(li.props["amount"]) for li in harness.lines_of(renewal.id))
        years = _term_years(
            renewal.props["contract_start_date"], renewal.props["contract_end_date"]
        )
        assert yearly * years == Decimal(renewal.props["amount"]), renewal.props["dealname"]


def _term_years(start: str, end: str) -> int:
    """Whole years of a renewal term: its lines bill annually, its deal amount is the term's."""
    first, last = date.fromisoformat(start), date.fromisoformat(end) + timedelta(days=1)
    months = (last.year - first.year) * 12 + last.month - first.month
    assert months % 12 == 0, (start, end)
    return months // 12
