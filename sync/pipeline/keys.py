"""Deterministic idempotency keys for everything the service writes.

A key depends only on what the record is about - the account, the product and the renewal
term's first day - never on a CRM id the service learns after writing. So a rerun, a crash
between a write and its bookkeeping, or a second daemon computes the same key, and the
CRM's upsert by external id turns a repeated create into an update.
"""

from __future__ import annotations

import hashlib
from datetime import date

_MAX_BODY = 48


def renewal_key(account_id: str, product: str, term_start: date) -> str:
    """The renewal of one subscription for the term starting on `term_start`."""
    body = f"{account_id}:{product}"
    if len(body) > _MAX_BODY:
        body = hashlib.sha256(body.encode()).hexdigest()[:_MAX_BODY]
    return f"rn:{body}:{term_start.isoformat()}"


def task_key(renewal: str, milestone: str, limit: int | None = None) -> str:
    """One milestone task of one renewal."""
    return fit_key(f"{renewal}:task:", milestone, limit)


def line_key(renewal: str, position: str, limit: int | None = None) -> str:
    """One line of one renewal (`position` names its sku, the n-th price, the cent part)."""
    return fit_key(f"{renewal}:line:", position, limit)


def fit_key(prefix: str, rest: str, limit: int | None) -> str:
    """`prefix + rest`, or, when that is longer than the CRM's key field holds (a product
    code of 30+ characters on Salesforce's 80), the prefix and a hash of the rest: still
    stable run after run, still grouped under its renewal by the prefix."""
    key = prefix + rest
    if limit is None or len(key) <= limit:
        return key
    room = max(limit - len(prefix) - 1, 8)
    return f"{prefix}~{hashlib.sha256(rest.encode()).hexdigest()[:room]}"


def task_prefix(renewal: str) -> str:
    """Every task key of a renewal starts with this."""
    return f"{renewal}:task:"
