"""Deterministic idempotency keys for everything the service writes.

A renewal's key is its identity: the contract it renews (domain spec, "Subscriptions and
renewal identity"), never its dates or amount, so a corrected end date re-dates the same
renewal. The contract is named by its CRM id - known before the renewal is written, since a
person closed it - or, when the contract is itself a renewal the service raised and closed
won (perhaps earlier in the same run, before it has an id), by that renewal's key plus one
generation: `rn:006A`, then `rn:006A/2`, `rn:006A/3`. So a rerun, a crash between a write and
its bookkeeping, or a second daemon computes the same key, and the CRM's upsert by external
id turns a repeated create into an update. Lines and tasks hang off their renewal's key.

Keys of the first scheme (`rn:<account>:<product>:<term start>`) are migrated by
`sync/pipeline/rekey.py`; `legacy_renewal_key` is kept only to recognise them.
"""

from __future__ import annotations

import hashlib
from datetime import date

_MAX_BODY = 48


_GENERATION = "/"


def renewal_key(contract_id: str, contract_key: str | None = None) -> str:
    """The renewal of contract `contract_id`; `contract_key` is the contract's own renewal
    key when it is a renewal the service keeps (its successor is then the next generation)."""
    if contract_key is None or not contract_key.startswith("rn:"):
        return f"rn:{contract_id}"
    base, sep, generation = contract_key.rpartition(_GENERATION)
    if sep and generation.isdigit():
        return f"{base}{_GENERATION}{int(generation) + 1}"
    return f"{contract_key}{_GENERATION}2"


def contract_of(renewal: str) -> str:
    """The id of the contract a renewal key of the current scheme names (`rn:<contract>`;
    a later generation or another key gives text that matches no order)."""
    return renewal.removeprefix("rn:")


def renewal_of_task(task: str) -> str:
    """The renewal key a milestone task key belongs to (`<renewal>:task:<step>`)."""
    return task.split(":task:", maxsplit=1)[0]


def is_legacy_renewal_key(key: str) -> bool:
    """A key of the first scheme: `rn:<account>:<product>:<YYYY-MM-DD>`."""
    head, _, last = key.rpartition(":")
    return head.startswith("rn:") and len(last) == 10 and last[4] == "-" and last[7] == "-"


def legacy_renewal_key(account_id: str, product: str, term_start: date) -> str:
    """The first scheme's key of the renewal of one subscription for one term."""
    body = f"{account_id}:{product}"
    if len(body) > _MAX_BODY:
        body = hashlib.sha256(body.encode()).hexdigest()[:_MAX_BODY]
    return f"rn:{body}:{term_start.isoformat()}"


def task_key(renewal: str, milestone: str, limit: int | None = None) -> str:
    """One milestone task of one renewal."""
    return fit_key(f"{renewal}:task:", milestone, limit)


def line_key(renewal: str, position: str, limit: int | None = None) -> str:
    """One line of one renewal (`position` names its sku, the n-th price, the cent part)."""
    return fit_key(line_prefix(renewal), position, limit)


def fit_key(prefix: str, rest: str, limit: int | None) -> str:
    """`prefix + rest`, or, when that is longer than the CRM's key field holds (a product
    code of 30+ characters on Salesforce's 80), the prefix and a hash of the rest: still
    stable run after run, still grouped under its renewal by the prefix."""
    key = prefix + rest
    if limit is None or len(key) <= limit:
        return key
    room = max(limit - len(prefix) - 1, 8)
    return f"{prefix}~{hashlib.sha256(rest.encode()).hexdigest()[:room]}"


def line_prefix(renewal: str) -> str:
    """Every line key of a renewal starts with this."""
    return f"{renewal}:line:"


def task_prefix(renewal: str) -> str:
    """Every task key of a renewal starts with this."""
    return f"{renewal}:task:"
