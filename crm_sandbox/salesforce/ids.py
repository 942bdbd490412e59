"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum.

Real ids start with the object's key prefix (001 Account, 006 Opportunity...) and the
18-character form appends a suffix that encodes which of the first 15 characters are
upper case, so case-insensitive tools can still tell ids apart. The API accepts either form
on input and always answers with 18 characters.
"""

from __future__ import annotations

import itertools
import threading

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "Dn"  # stands in for the instance/pod characters of a real org
_ID_CHARS = frozenset(_BASE62)


def checksum(id15: str) -> str:
    """The 3-character suffix: one letter per 5-character chunk, bit i = char i is upper."""
    suffix = []
    for chunk in range(3):
        bits = 0
        for pos, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        suffix.append(_SUFFIX[bits])
    return "".join(suffix)


def to18(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None when it is not an id."""
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    id15 = value[:15]
    full = id15 + checksum(id15)
    if len(value) == 18 and value[15:].upper() != full[15:]:
        return None
    return full


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Hands out unique, valid 18-character ids per key prefix, in creation order."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        with self._lock:
            number = next(self._counter)
        id15 = f"{key_prefix}{_POD}0{_base62(number, 9)}"
        return id15 + checksum(id15)
