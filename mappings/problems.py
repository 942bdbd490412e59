"""Problems with a mapping, as values: file, line, key path, what is wrong and what to do.

The loader collects every problem before raising, so an admin fixes a file in one pass
rather than one error per restart.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a mapping. `hint` says what to do, e.g. the closest valid name."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        tail = f"; {self.hint}" if self.hint else ""
        return f"{where}: {self.path}: {self.message}{tail}"


class MappingError(Exception):
    """Raised at start-up (before any API call) with every problem of a mapping file."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        files = sorted({p.file for p in self.problems})
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        head = f"{count} {noun} in mapping {', '.join(files)}"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid choice nearest to a misspelt `word`, if any is near enough."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`did you mean `x`?` when a choice is near, else the list of valid choices."""
    options = sorted(choices)
    near = closest(word, options)
    if near is not None:
        return f"did you mean `{near}`?"
    return f"valid: {', '.join(options)}" if options else ""


def one_of(word: str, choices: Iterable[str]) -> str:
    """`use one of a, b, c` plus the nearest one, for small closed sets (policies, units)."""
    options = list(choices)
    near = closest(word, options)
    base = f"use one of {', '.join(options)}"
    return f"{base}; did you mean `{near}`?" if near else base
