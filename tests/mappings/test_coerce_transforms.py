"""Named transforms at the edge: `iso_months` for HubSpot's P#M billing periods."""

from __future__ import annotations

from decimal import Decimal

from mappings.coerce import TRANSFORMS
from mappings.concepts import Kind

ISO_MONTHS = TRANSFORMS["iso_months"]


def test_iso_months_reads_months_and_years_and_writes_p_hash_m() -> None:
    assert ISO_MONTHS.read("P15M") == Decimal(15)
    assert ISO_MONTHS.read("P1Y3M") == Decimal(15)
    assert ISO_MONTHS.read("P2Y") == Decimal(24)
    assert ISO_MONTHS.write(Decimal(15)) == "P15M"
    assert ISO_MONTHS.write(12) == "P12M"


def test_iso_months_leaves_what_it_cannot_read_or_write_for_the_type_check() -> None:
    assert ISO_MONTHS.read("fifteen months") == "fifteen months"
    assert ISO_MONTHS.read("P") == "P"
    assert ISO_MONTHS.write(Decimal("14.5")) == Decimal("14.5")
    assert ISO_MONTHS.wire is Kind.TEXT
