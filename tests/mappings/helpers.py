"""Helpers for mapping tests: the minimal valid file, and loading variants of it."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest

from mappings import Mapping, MappingError, TranslationError, load_text

__all__ = ["HERE", "MINIMAL", "load_text", "minimal", "ok", "problems", "variant"]
T = TypeVar("T")

HERE = Path(__file__).parent
MINIMAL = (HERE / "minimal.yaml").read_text()


def minimal() -> Mapping:
    return load_text(MINIMAL, "minimal.yaml")


def variant(old: str, new: str) -> str:
    """The minimal file with one exact piece of text replaced (it must be there once)."""
    assert MINIMAL.count(old) == 1, old
    return MINIMAL.replace(old, new)


def problems(text: str) -> list[str]:
    """Every problem `load_text` reports for `text`, as the admin reads them."""
    with pytest.raises(MappingError) as caught:
        load_text(text, "m.yaml")
    return [str(p) for p in caught.value.problems]


def ok(result: T | TranslationError) -> T:
    """The translated value; fails the test with the translation error's text otherwise."""
    assert not isinstance(result, TranslationError), str(result)
    return result
