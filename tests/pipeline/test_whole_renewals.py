"""What makes a renewal's amount is the renewal: a person who changes a line has edited the
renewal, and an amount no contract can have is never written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.pipeline.conftest import MakeOrg

WORKED_EXAMPLE = ()


def test_a_person_changing_a_line_has_edited_the_renewal_and_it_is_kept_whole(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 6, 30))
    renewal = org.renewal("Analytics:2027-01-01")
    org.person_changes_a_line_quantity(renewal.id, 5)
    person_total = org.lines_total(renewal.id)
    org.person_books_upgrade(org.contract_id(), 10, date(2026, 7, 1))
    assert org.run(today=date(2026, 7, 2)).status == "succeeded"
    after = org.renewal("Analytics:2027-01-01")
    assert org.lines_total(after.id) == person_total  # the person's lines, untouched
    assert after.computed_amount == Decimal("25350.00")  # what the service computes, beside them
    (kept,) = [e for e in org.store.errors.open(org.crm) if e.code == "HUMAN_EDIT_KEPT"]
    assert ":line:" in kept.message
    org.reset_ledger()
    assert org.run(today=date(2026, 7, 3)).status == "succeeded"
    assert org.writes() == 0


def test_an_amount_above_the_ceiling_is_not_written_and_names_the_renewal(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    result = org.run(today=date(2026, 6, 30), amount_ceiling=Decimal(20_000))
    assert result.status == "succeeded"
    assert org.renewals() == []
    (error,) = [e for e in org.store.errors.open(org.crm) if e.code == "AMOUNT_ABOVE_CEILING"]
    assert error.record_key == f"rn:{org.contract_id()}"  # the contract it renews
    assert "22500" in error.message
    assert "amount_ceiling" in error.message
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"  # the default ceiling
    assert org.renewal("Analytics:2027-01-01").amount == Decimal("22500.00")
    assert not [e for e in org.store.errors.open(org.crm) if e.code == "AMOUNT_ABOVE_CEILING"]
