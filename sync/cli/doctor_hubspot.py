"""`doctor --fix` for HubSpot: create the custom properties the mapping needs.

HubSpot's properties API can create properties, so what `doctor` finds missing on a portal
need not be a to-do for an admin: each missing plain property of the mapping is created with
the type the mapping needs (an enumeration with the values the mapping names, a key as a
unique property) in a `renewal_sync` group. Anything else (a wrong type, a standard property)
is left for a person and listed again.
"""

from __future__ import annotations

import typer

from mappings import Mapping, Problem, check_against_describe
from mappings.properties import required_properties
from sync.cli.mappings import describe_for
from sync.connectors.hubspot import HubSpotAdapter
from sync.core.ports import CrmError, CrmPort
from sync.settings import Settings


def fix_hubspot(
    settings: Settings, port: CrmPort, mapping: Mapping, problems: list[Problem]
) -> list[Problem]:
    """Create each missing property; return what is still wrong afterwards."""
    if not isinstance(port, HubSpotAdapter):
        return problems
    described = describe_for(mapping, port)
    for spec in required_properties(mapping):
        if spec.object not in described or spec.name in described[spec.object]:
            continue
        try:
            port.create_property(spec)
            typer.echo(f"created {spec.object}.{spec.name} ({spec.type})")
        except CrmError as error:
            typer.echo(f"could not create {spec.object}.{spec.name}: {error.message}")
    return check_against_describe(mapping, describe_for(mapping, port))
