"""The composition root: settings -> mapping, state store and CRM adapter, in that order.

Everything that can be checked without the network is checked first (settings, then the
mapping file), so bad configuration fails at start-up before any API call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mappings import Mapping, load, load_default
from sync.core.ports import CrmPort
from sync.pipeline.run import SignalSource
from sync.settings import Settings
from sync.state import StateStore


@dataclass
class Service:
    settings: Settings
    store: StateStore
    mapping_path: Path | None

    def mapping(self) -> Mapping:
        """The mapping, re-read on every call: an admin's edit applies at the next run."""
        return load_mapping(self.settings)

    def connect(self) -> CrmPort:
        """Log in to the CRM the settings name (the first network call)."""
        return connect(self.settings)


def load_mapping(settings: Settings) -> Mapping:
    """The admin's mapping file, or the shipped default for the CRM (raises MappingError)."""
    if settings.mapping_file is not None:
        return load(settings.mapping_file)
    return load_default(settings.crm)


def connect(settings: Settings) -> CrmPort:
    """The adapter for `settings.crm`, logged in."""
    if settings.crm == "salesforce":
        from sync.connectors.salesforce import connect_salesforce  # noqa: PLC0415 - one CRM per process

        return connect_salesforce(settings)
    from sync.connectors.hubspot import connect_hubspot  # noqa: PLC0415 - one CRM per process

    return connect_hubspot(settings)


def load_signals_mapping(settings: Settings) -> Mapping | None:
    """The HubSpot mapping health signals are read through, when signals come from HubSpot."""
    if settings.health_signals_from != "hubspot" or settings.crm == "hubspot":
        return None
    if settings.signals_mapping_file is not None:
        return load(settings.signals_mapping_file)
    return load_default("hubspot")


def signal_source(settings: Settings) -> SignalSource | None:
    """HubSpot as the source of tickets and NPS for a Salesforce deployment (logs in)."""
    mapping = load_signals_mapping(settings)
    if mapping is None:
        return None
    from sync.connectors.hubspot import connect_hubspot  # noqa: PLC0415 - only when configured

    return SignalSource(connect_hubspot(settings), mapping, settings.health_match_on)


def open_service(settings: Settings) -> Service:
    """Check the mapping, then open (and migrate) the state store; no API call yet."""
    load_mapping(settings)
    store = StateStore.open(settings.database_url)
    return Service(settings, store, settings.mapping_file)
