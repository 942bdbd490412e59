"""A full run raises every renewal once; an unchanged incremental rerun writes nothing."""

from __future__ import annotations

from tests.db_fixtures import DbTarget
from tests.pipeline.conftest import MakeOrg


def test_full_then_incremental_run_on_each_database(make_org: MakeOrg, db_target: DbTarget) -> None:
    org = make_org(target=db_target)
    first = org.run()
    assert first.status == "succeeded", first.error
    for written in ("renewal", "renewal_line", "task"):
        assert first.stats[f"written.{written}"] > 0, written
    keys = org.service_keys()["renewal"]
    assert keys
    assert max(keys.values()) == 1

    org.reset_ledger()
    second = org.run()
    assert second.status == "succeeded", second.error
    assert org.writes() == 0
    run = org.store.runs.get(second.run_id or "")
    assert run is not None
    assert run.mode.value == "incremental"


def test_a_rerun_with_nothing_changed_makes_no_write_call(make_org: MakeOrg) -> None:
    org = make_org(seed=5)
    assert org.run().status == "succeeded"
    before = org.crm_state()
    for _ in range(2):
        org.reset_ledger()
        assert org.run().status == "succeeded"
        assert org.writes() == 0
    assert org.crm_state() == before


def test_every_open_renewal_is_one_record_per_subscription_term_with_its_lines(
    make_org: MakeOrg,
) -> None:
    org = make_org(size=120, seed=9)
    org.run()
    terms = org.open_renewal_terms()
    assert terms
    assert max(terms.values()) == 1
    ours = [r for r in org.renewals() if r.stage == "open" and r.computed_amount == r.amount]
    assert ours
    for renewal in ours:
        assert org.lines_total(renewal.id) == renewal.amount, renewal.key
