"""What a CRM says its objects and fields are, in CRM-neutral words (describe / properties).

The one definition of these types: connectors build them from Salesforce describe or
HubSpot's properties API (sync/connectors/*/describe.py), the mapping checker and schema
drift read them. Every CRM-specific convention (Salesforce's `Product2Id` reached as
`Product2`) is resolved by the connector into `relationship`, so nothing here knows a CRM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldInfo:
    """One CRM field as describe reports it.

    `type` is one of: id, reference, string, textarea, email, url, phone, picklist,
    multipicklist, enumeration, double, int, number, currency, percent, date, datetime,
    boolean, bool. `relationship` is the name a dotted field path uses to reach the parent
    record (`Product2.ProductCode` through `Product2Id`), with `reference_to` naming the
    parent object; both are empty where the CRM has no such path.
    """

    type: str
    updateable: bool = True
    createable: bool = True
    external_id: bool = False
    unique: bool = False
    picklist_values: tuple[str, ...] = ()
    relationship: str | None = None
    reference_to: tuple[str, ...] = ()
    name: str = ""
    length: int | None = None  # characters a text field holds; None: no limit known


@dataclass(frozen=True)
class ObjectInfo:
    """One CRM object and its fields by name."""

    name: str
    fields: Mapping[str, FieldInfo] = field(default_factory=dict)


Describe = Mapping[str, Mapping[str, FieldInfo]]
"""Object -> field -> info; from a port: `{name: info.fields for name, info in ...}`."""


def parent_through(fields: Mapping[str, FieldInfo], relation: str) -> FieldInfo | None:
    """The lookup field that `relation` (the part before the dot of a field path) follows."""
    for info in fields.values():
        if info.relationship == relation and info.reference_to:
            return info
    return None
