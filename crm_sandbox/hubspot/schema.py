"""The portal schema: which objects exist, their properties, and how a value is validated.

HubSpot keeps every property value as a string and converts on the way in. The quirks that
matter to renewal-sync are kept: a `date` property only takes midnight UTC (an epoch-ms or ISO
value at any other time is rejected with `INVALID_DATE`) and is answered as `YYYY-MM-DD`; a
`datetime` is answered as ISO-8601 UTC with milliseconds; an enumeration only takes one of its
option values; a property nobody declared is `PROPERTY_DOESNT_EXIST`. Tests may change the schema
at runtime (drop or alter a property) to provoke drift.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml

PROPERTY_TYPES = ("string", "number", "date", "datetime", "enumeration", "bool")
DEFAULT_FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}
SYSTEM_PROPERTIES = ("hs_object_id", "hs_lastmodifieddate")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PropertyValueError(ValueError):
    """One invalid property value, with HubSpot's error code (INVALID_DATE, INVALID_OPTION...)."""

    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    type: str
    field_type: str
    label: str
    group: str
    options: tuple[str, ...] = ()
    unique: bool = False
    read_only: bool = False
    custom: bool = False

    def to_json(self, stamp: str) -> dict[str, Any]:
        """The property as GET /crm/v3/properties/{objectType}/{name} answers it."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": "",
            "groupName": self.group,
            "options": [
                {"label": v, "value": v, "displayOrder": i, "hidden": False}
                for i, v in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": self.read_only,
            "externalOptions": False,
            "hasUniqueValue": self.unique,
            "hidden": False,
            "hubspotDefined": not self.custom,
            "modificationMetadata": {
                "archivable": self.custom,
                "readOnlyDefinition": not self.custom,
                "readOnlyValue": self.read_only,
            },
            "formField": not self.read_only,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }


@dataclass(slots=True)
class ObjectSchema:
    name: str
    type_id: str
    singular: str
    group: str
    created: str
    defaults: tuple[str, ...]
    read_only: bool
    properties: dict[str, PropertyDef] = field(default_factory=dict)
    unique_cache: tuple[str, ...] | None = None

    def get(self, name: str) -> PropertyDef | None:
        return self.properties.get(name)

    @property
    def unique_properties(self) -> tuple[str, ...]:
        """Cached: every write consults it twice (PortalSchema resets it on schema changes)."""
        if self.unique_cache is None:
            self.unique_cache = tuple(p.name for p in self.properties.values() if p.unique)
        return self.unique_cache


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    label: str
    probability: str | None = None
    closed: bool = False
    won: bool = False


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A deal or ticket pipeline: its id, label and stages in display order."""

    id: str
    label: str
    stages: tuple[Stage, ...]


class PortalSchema:
    """Objects and properties of the emulated portal; thread-safe for runtime changes."""

    def __init__(self, objects: dict[str, ObjectSchema], pipelines: dict[str, dict[str, Pipeline]]):
        self._lock = threading.Lock()
        self.objects = objects
        self.pipelines = pipelines
        self.groups: dict[str, set[str]] = {}
        self._aliases = _aliases(objects)

    def resolve(self, object_type: str) -> ObjectSchema | None:
        """Accept `deals`, `deal`, `DEALS` or `0-3`, as HubSpot does."""
        name = self._aliases.get(object_type.lower())
        return None if name is None else self.objects[name]

    def add_property(self, object_type: str, prop: PropertyDef) -> None:
        with self._lock:
            self.objects[object_type].properties[prop.name] = prop
            self.objects[object_type].unique_cache = None

    def drop_property(self, object_type: str, name: str) -> None:
        """Test helper: the property disappears (drift), values already stored stay unseen."""
        with self._lock:
            self.objects[object_type].properties.pop(name, None)
            self.objects[object_type].unique_cache = None

    def alter_property(self, object_type: str, name: str, **changes: Any) -> PropertyDef:
        """Test helper: e.g. `alter_property("deals", "order_type", options=("new",))`."""
        with self._lock:
            props = self.objects[object_type].properties
            props[name] = replace(props[name], **changes)
            self.objects[object_type].unique_cache = None
            return props[name]

    def stage(self, object_type: str, pipeline: str, stage_id: str) -> Stage | None:
        found = self.pipelines.get(object_type, {}).get(pipeline)
        return next((s for s in found.stages if s.id == stage_id), None) if found else None


def load_schema(text: str | None = None) -> PortalSchema:
    """Read the shipped schema.yaml (or `text`, for tests) into a fresh PortalSchema."""
    if text is None:
        text = resources.files(__package__).joinpath("schema.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    objects = {name: _object(name, spec) for name, spec in raw["objects"].items()}
    pipelines = {
        obj: {
            str(pid): Pipeline(
                str(pid),
                spec["label"],
                tuple(Stage(**{**s, "id": str(s["id"])}) for s in spec["stages"]),
            )
            for pid, spec in p.items()
        }
        for obj, p in raw.get("pipelines", {}).items()
    }
    return PortalSchema(objects, pipelines)


def make_property(name: str, spec: str | Mapping[str, Any], group: str) -> PropertyDef:
    """Build a PropertyDef from the YAML shorthand or a Properties API create body."""
    data: Mapping[str, Any] = {"type": spec} if isinstance(spec, str) else spec
    kind = str(data.get("type", "string"))
    if kind not in PROPERTY_TYPES:
        raise ValueError(f"property {name!r}: type {kind!r} is not one of {PROPERTY_TYPES}")
    options = data.get("options") or ()
    return PropertyDef(
        name=name,
        type=kind,
        field_type=str(data.get("field") or data.get("fieldType") or DEFAULT_FIELD_TYPES[kind]),
        label=str(data.get("label") or name.replace("_", " ").title()),
        group=str(data.get("group") or data.get("groupName") or group),
        options=tuple(str(o["value"] if isinstance(o, dict) else o) for o in options),
        unique=bool(data.get("unique", data.get("hasUniqueValue", False))),
        read_only=bool(data.get("read_only", False)),
        custom=bool(data.get("custom", "groupName" in data)),
    )


def _object(name: str, spec: Mapping[str, Any]) -> ObjectSchema:
    group = str(spec["group"])
    obj = ObjectSchema(
        name=name,
        type_id=str(spec["type_id"]),
        singular=str(spec["singular"]),
        group=group,
        created=str(spec["created"]),
        defaults=tuple(spec["defaults"]),
        read_only=bool(spec.get("read_only", False)),
    )
    system = {
        obj.created: {"type": "datetime", "read_only": False},
        "hs_lastmodifieddate": {"type": "datetime", "read_only": True},
        "hs_object_id": {"type": "number", "read_only": True},
    }
    for prop_name, prop_spec in {**system, **spec["properties"]}.items():
        obj.properties[prop_name] = make_property(prop_name, prop_spec, group)
    return obj


def _aliases(objects: Mapping[str, ObjectSchema]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name, obj in objects.items():
        for alias in (name, obj.singular, obj.type_id):
            table[alias.lower()] = name
    return table


# ---- values -------------------------------------------------------------------------------


def normalize(prop: PropertyDef, value: Any) -> str | None:
    """The stored string for an incoming value, or PropertyValueError as HubSpot would reject it.

    An empty string or null clears the property (HubSpot stores "" and answers null)."""
    if value is None or value == "":
        return None
    text = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    converter = _CONVERTERS.get(prop.type)
    return converter(prop, text) if converter else text


def _number(prop: PropertyDef, text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PropertyValueError(
            prop.name, "INVALID_DECIMAL", f"{text} is not a valid number"
        ) from None
    if not number.is_finite():
        raise PropertyValueError(prop.name, "INVALID_DECIMAL", f"{text} is not a valid number")
    return format_decimal(number)


def _date(prop: PropertyDef, text: str) -> str:
    moment = parse_moment(text)
    if moment is None:
        raise PropertyValueError(prop.name, "INVALID_DATE", f"{text} is not a valid date")
    if moment.time() != datetime.min.time():
        at = f"{moment.hour}:{moment.minute}:{moment.second}.{moment.microsecond // 1000}"
        raise PropertyValueError(prop.name, "INVALID_DATE", f"{text} is at {at} UTC, not midnight!")
    return moment.date().isoformat()


def _datetime(prop: PropertyDef, text: str) -> str:
    moment = parse_moment(text)
    if moment is None:
        raise PropertyValueError(prop.name, "INVALID_DATETIME", f"{text} is not a valid datetime")
    return iso_ms(moment)


def _enumeration(prop: PropertyDef, text: str) -> str:
    # Owner ids are an enumeration whose options come from the owners list; accept any here.
    if prop.options and text not in prop.options and prop.name != "hubspot_owner_id":
        allowed = ", ".join(prop.options)
        message = f"{text} was not one of the allowed options: [{allowed}]"
        raise PropertyValueError(prop.name, "INVALID_OPTION", message)
    return text


def _bool(prop: PropertyDef, text: str) -> str:
    lowered = text.lower()
    if lowered not in {"true", "false"}:
        raise PropertyValueError(prop.name, "INVALID_BOOLEAN", f"{text} is not a valid boolean")
    return lowered


_CONVERTERS = {
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "enumeration": _enumeration,
    "bool": _bool,
}


def parse_moment(text: str) -> datetime | None:
    """Epoch milliseconds, `YYYY-MM-DD` or ISO-8601 (Z or offset) -> an aware UTC datetime."""
    if text.lstrip("-").isdigit():
        return EPOCH + timedelta(milliseconds=int(text))
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@functools.lru_cache(maxsize=8192)
def iso_ms(moment: datetime) -> str:
    """`2026-01-31T09:30:00.000Z`: how v3 answers datetimes (createdAt, hs_lastmodifieddate).

    Cached: a load stamps hundreds of thousands of records with a few thousand instants."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    return int((moment - EPOCH) / timedelta(milliseconds=1))


def format_decimal(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def iter_properties(obj: ObjectSchema) -> Iterator[PropertyDef]:
    yield from sorted(obj.properties.values(), key=lambda p: p.name)
