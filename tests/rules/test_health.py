"""Health score: weighted mean over present parts, NPS mapping, tiers as settings."""

from __future__ import annotations

from contract_rules import (
    HealthPart,
    HealthSettings,
    HealthSignals,
    HealthTier,
    health_score,
    nps_part,
    usage_part,
)
from tests.rules.builders import D

EQUAL = HealthSettings()


def test_missing_parts_are_left_out_and_weights_renormalised():
    score = health_score(HealthSignals(usage=D(80), support=D(60)), EQUAL)
    assert score is not None
    assert score.score == D("70.0")
    assert score.tier is HealthTier.GREEN
    assert [(p.part, p.weight) for p in score.parts] == [
        (HealthPart.USAGE, D("0.5")),
        (HealthPart.SUPPORT, D("0.5")),
    ]


def test_nps_is_mapped_from_minus_100_100_onto_0_100():
    assert nps_part(D(-100)) == D(0)
    assert nps_part(D(0)) == D(50)
    assert nps_part(D(100)) == D(100)
    score = health_score(HealthSignals(nps=D(-20)), EQUAL)
    assert score is not None
    assert (score.score, score.tier) == (D("40.0"), HealthTier.YELLOW)


def test_weights_and_tiers_are_settings():
    settings = HealthSettings(
        weights={HealthPart.USAGE: D(3), HealthPart.FEEDBACK: D(1)},
        green_from=D(80),
        yellow_from=D(50),
    )
    score = health_score(HealthSignals(usage=D(60), feedback=D(20), support=D(100)), settings)
    assert score is not None
    assert score.score == D("50.0")  # support has no weight here
    assert score.tier is HealthTier.YELLOW


def test_red_below_40_and_none_without_data():
    score = health_score(HealthSignals(renewal_history=D("39.9")), EQUAL)
    assert score is not None
    assert score.tier is HealthTier.RED
    assert health_score(HealthSignals(), EQUAL) is None


def test_usage_part_is_active_over_licensed_seats_capped_at_100():
    assert usage_part(D(45), D(50)) == D(90)
    assert usage_part(D(70), D(50)) == D(100)
    assert usage_part(D(1), D(0)) is None


def test_out_of_range_inputs_are_clamped_to_0_100():
    score = health_score(HealthSignals(nps=D(250), usage=D(-10)), EQUAL)
    assert score is not None
    assert [p.value for p in score.parts] == [D(0), D(100)]
    assert score.score == D("50.0")
