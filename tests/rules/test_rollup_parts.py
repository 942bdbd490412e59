"""The health parts made from raw facts: NPS over a year, feedback by sentiment, support."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from contract_rules.rollups import (
    AccountFacts,
    SupportCase,
    feedback_part,
    health_signals,
    net_promoter_score,
    support_part,
)
from tests.rules.builders import D

TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_feedback_is_the_mean_sentiment_positive_100_neutral_50_negative_0() -> None:
    answers = [("positive", NOW), ("neutral", NOW), ("negative", NOW), ("positive", None)]
    assert feedback_part(answers, TODAY) == D("62.5")


def test_feedback_older_than_a_year_or_of_unknown_sentiment_does_not_count() -> None:
    old = NOW - timedelta(days=366)
    assert feedback_part([("negative", old), ("positive", NOW)], TODAY) == D(100)
    assert feedback_part([("negative", old), ("delighted", NOW)], TODAY) is None
    assert feedback_part([], TODAY) is None


def test_nps_is_promoters_minus_detractors_over_the_last_year() -> None:
    answers = [(10, NOW), (9, NOW), (7, NOW), (3, NOW), (0, NOW - timedelta(days=400))]
    assert net_promoter_score(answers, TODAY) == D(25)  # (2 - 1) / 4


def test_support_loses_points_for_open_and_high_priority_cases() -> None:
    open_high = SupportCase(high_priority=True, is_closed=False, created_at=NOW, closed_at=None)
    assert support_part([open_high], TODAY) == D(75)
    assert support_part([], TODAY) is None


def test_every_fact_reaches_its_signal() -> None:
    facts = AccountFacts(D(10), D(5), [], [(10, NOW)], [], [("neutral", NOW)])
    signals = health_signals(facts, TODAY)
    assert (signals.usage, signals.nps, signals.feedback) == (D(50), D(100), D(50))
    assert signals.support is None
    assert signals.renewal_history is None
