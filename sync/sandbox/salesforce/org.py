"""The state one sandbox org holds, passed to every request handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.sandbox.clock import SandboxClock
from sync.sandbox.faults import FaultPlan
from sync.sandbox.salesforce.limits import ApiAllowance
from sync.sandbox.salesforce.query import QueryService
from sync.sandbox.salesforce.schema import Schema
from sync.sandbox.salesforce.store import Store
from sync.sandbox.salesforce.writes import Writer


@dataclass(slots=True)
class Reply:
    """A handler's answer before headers are added: status and a JSON-able body (or None)."""

    status: int
    body: Any = None


@dataclass(slots=True)
class Org:
    schema: Schema
    store: Store
    writer: Writer
    queries: QueryService
    allowance: ApiAllowance
    clock: SandboxClock
    faults: FaultPlan
    version: str

    def url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v{self.version}/sobjects/{sobject}/{record_id}"
