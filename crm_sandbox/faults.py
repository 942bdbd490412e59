"""Fault injection shared by both sandboxes.

A `FaultPlan` is a list of rules; each sandbox asks it, per request, which faults fire and
renders them in its own CRM's wire format (a Salesforce error array, a HubSpot error object).
Sampling uses a seeded RNG so a test that injects "5% locked rows" sees the same rows locked
on every run.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    HTTP_STATUS = "http_status"  # answer the whole call with 429/500/503 (nothing is written)
    EXPIRED_SESSION = "expired_session"  # 401: the token stops working until re-authenticated
    LOCK_ROWS = "lock_rows"  # per-record lock contention on a share of records in a batch write
    LOST_RESPONSE = "lost_response"  # the write commits, then the connection drops unanswered
    LATENCY = "latency"  # sleep before answering


@dataclass(slots=True)
class FaultRule:
    """When and how often one fault fires.

    `share` is the probability that a matching call (or, for LOCK_ROWS, a record) is hit;
    `times` caps how often the rule fires (None = forever); `after` lets the first N matching
    calls through, to hit the middle of a run.
    """

    kind: FaultKind
    status: int = 503
    methods: frozenset[str] | None = None
    path_contains: str | None = None
    share: float = 1.0
    times: int | None = None
    after: int = 0
    seconds: float = 0.0
    policy: str = "TEN_SECONDLY_ROLLING"
    """The `policyName` of an injected HubSpot 429: TEN_SECONDLY_ROLLING, or SECONDLY as the
    search endpoints answer (https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase)."""
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return self.path_contains is None or self.path_contains in path

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultPlan:
    """The faults a sandbox injects; safe to change from a test while the server runs."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        with self._lock:
            return tuple(self._rules)

    def fire(self, method: str, path: str) -> list[FaultRule]:
        """The call-level faults (everything but LOCK_ROWS) that hit this request."""
        hits: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.kind is FaultKind.LOCK_ROWS or not rule.matches(method, path):
                    continue
                if self._take(rule):
                    hits.append(rule)
        return hits

    def locked_rows(self, method: str, path: str, count: int) -> set[int]:
        """Indexes (0..count-1) of the records in a batch write that fail as locked."""
        locked: set[int] = set()
        with self._lock:
            for rule in self._rules:
                if rule.kind is not FaultKind.LOCK_ROWS or not rule.matches(method, path):
                    continue
                for index in range(count):
                    if index not in locked and self._take(rule):
                        locked.add(index)
        return locked

    def _take(self, rule: FaultRule) -> bool:
        if rule.exhausted:
            return False
        rule.seen += 1
        if rule.seen <= rule.after or self._rng.random() >= rule.share:
            return False
        rule.fired += 1
        return True


def parse_fault(spec: str) -> FaultRule:
    """Parse a command-line fault such as `http_status:status=503,share=0.1`.

    Keys: status, share, times, after, seconds, path (substring), methods (`GET|POST`),
    policy (a HubSpot 429's policyName).
    """
    kind_text, _, options = spec.partition(":")
    try:
        rule = FaultRule(kind=FaultKind(kind_text.strip()))
    except ValueError:
        valid = ", ".join(k.value for k in FaultKind)
        message = f"unknown fault kind {kind_text!r} in {spec!r}; use one of: {valid}"
        raise ValueError(message) from None
    for item in filter(None, (part.strip() for part in options.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault option {item!r} in {spec!r} must look like key=value")
        _apply_option(rule, key.strip(), value.strip(), spec)
    return rule


_OPTION_ATTRS: dict[str, tuple[str, Callable[[str], object]]] = {
    "status": ("status", int),
    "share": ("share", float),
    "times": ("times", int),
    "after": ("after", int),
    "seconds": ("seconds", float),
    "path": ("path_contains", str),
    "policy": ("policy", lambda v: v.upper()),
    "methods": ("methods", lambda v: frozenset(m.upper() for m in v.split("|"))),
}


def _apply_option(rule: FaultRule, key: str, value: str, spec: str) -> None:
    if key not in _OPTION_ATTRS:
        valid = ", ".join(_OPTION_ATTRS)
        raise ValueError(f"unknown fault option {key!r} in {spec!r}; use one of: {valid}")
    attr, convert = _OPTION_ATTRS[key]
    try:
        setattr(rule, attr, convert(value))
    except ValueError:
        raise ValueError(f"fault option {key}={value!r} in {spec!r} is not a valid {key}") from None
