"""What every sandbox offers the CLI, the tests and the benchmarks."""

from __future__ import annotations

from typing import Any, Protocol

from crm_sandbox.calls import CallLedger
from crm_sandbox.clock import SandboxClock
from crm_sandbox.faults import FaultPlan
from crm_sandbox.records import Dataset


class Sandbox(Protocol):
    """A stateful CRM emulator: a WSGI app plus the handles tests use to observe and disturb it."""

    ledger: CallLedger
    faults: FaultPlan
    clock: SandboxClock

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI callable that speaks the CRM's wire protocol."""

    def load(self, dataset: Dataset) -> object:
        """Insert a generated dataset (streams it; does not count as API calls)."""

    def env_exports(self, base_url: str, ca_bundle: str | None) -> dict[str, str]:
        """Environment variables that point the service and an unmodified client at it."""
