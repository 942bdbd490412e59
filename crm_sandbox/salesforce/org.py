"""The state one sandbox org holds, passed to every request handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_sandbox.clock import SandboxClock
from crm_sandbox.faults import FaultPlan
from crm_sandbox.salesforce.limits import ApiAllowance
from crm_sandbox.salesforce.query import QueryService
from crm_sandbox.salesforce.schema import Schema
from crm_sandbox.salesforce.store import Store
from crm_sandbox.salesforce.writes import Writer


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
    """The API version of the request being answered (every version from v31.0 is served)."""
    org_id: str = ""
    bulk: Any = None
    """The org's Bulk API 2.0 jobs (`crm_sandbox.salesforce.bulk.BulkJobs`)."""

    def use_version(self, version: str) -> None:
        """Answer this request in `version`: record URLs and query locators carry it."""
        self.version = version
        self.queries.version = version

    def url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v{self.version}/sobjects/{sobject}/{record_id}"
