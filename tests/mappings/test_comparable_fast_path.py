"""`comparable` skips only parses that surely fail and caches texts: same answers as before."""

from __future__ import annotations

import random
import string
from datetime import datetime

import pytest

from mappings.coerce import (
    CoerceError,
    _comparable_text,
    _day,
    comparable,
    to_date,
    to_datetime,
    to_decimal,
)

TEXTS = [
    "", "true", "FALSE", "True ", "300", "300.0", "300.00", "-0", "+5", "1_000", "1e3", "1E-2",
    ".5", "5.", "Infinity", "-inf", "NaN", "nan123", "2026-12-31", "2026-02-30", "20261231",
    "2026-W01-1", "2026-12-31T00:00:00Z", "2026-12-31T10:00:00.000+0000", "2026-12-31 10:00",
    "2026-12-31T23:30:00-05:00", "1767225600000", "-86400000", "--5", "0065g00000ABCdEAAX",
    "006A000001", "Closed Won", "Prospecting", "Year", "abc", "٣٠٠", "２０２６-01-01",
    "１２", "2026", "2026-1-1", "12:30", "T12:30", "e", "-", "_", "1__0", "0x10", "½",
]  # fmt: skip


def _reference(text: str) -> object:
    """`_comparable_text` as it was: every parser tried in turn, nothing cached."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for parse in (to_decimal, to_date, to_datetime):
        try:
            parsed = parse(text)
        except (CoerceError, ValueError, IndexError):
            continue
        return _day(parsed) if isinstance(parsed, datetime) else comparable(parsed)
    return text


def _outcome(read: object, text: str) -> str:
    try:
        value = read(text)  # type: ignore[operator]
    except Exception as exc:  # both must fail the same way, if at all
        return f"raised {type(exc).__name__}"
    return f"{type(value).__name__}:{value!r}"


@pytest.mark.parametrize("text", TEXTS)
def test_known_awkward_texts_compare_as_before(text: str) -> None:
    assert _outcome(_comparable_text, text) == _outcome(_reference, text)
    assert _outcome(_comparable_text, text) == _outcome(_reference, text)  # from the cache


def test_random_texts_compare_as_before() -> None:
    rng = random.Random(4)
    alphabet = string.digits * 3 + "-+.:_eETZW nNaAiIfF" + string.ascii_letters + "٣２"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))).strip()
        assert _outcome(_comparable_text, text) == _outcome(_reference, text), text


def test_near_misses_of_valid_values_compare_as_before() -> None:
    rng = random.Random(5)
    seeds = ["2026-12-31", "2026-12-31T10:00:00.000+0000", "1767225600000", "-12.50", "1e3"]
    alphabet = string.digits + "-+.:_eETZW xa٣"
    for _ in range(20_000):
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(0, 2)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        text = "".join(chars).strip()
        assert _outcome(_comparable_text, text) == _outcome(_reference, text), text
