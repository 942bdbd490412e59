"""CRM adapters: one package per CRM, each implementing `sync.core.ports.CrmPort`.

An adapter owns the wire (authentication, paging, batching, retries, limits, error codes)
and nothing else; the mapping names the objects and fields, the pipeline decides what to
read and write.
"""

from __future__ import annotations

from sync.core.failures import FailureTable


def failure_table(crm: str) -> FailureTable:
    """The error table of `crm`'s connector (for `renewal-sync errors`' blame and hint)."""
    if crm == "salesforce":
        from sync.connectors.salesforce.failures import FAILURES  # noqa: PLC0415

        return FAILURES
    from sync.connectors.hubspot.failures import FAILURES as HUBSPOT  # noqa: PLC0415

    return HUBSPOT
