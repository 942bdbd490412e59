"""The sandbox org's metadata: objects and fields loaded from schema.yaml into typed values.

Field and object names are case-insensitive in SOQL and in request bodies, as in a real org,
so lookups go through lower-cased indexes. The drift helpers (`drop_field`, `change_type`,
`add_field`) change the org's metadata while the sandbox runs, the way an admin deleting or
retyping a field in Setup would; stored values of a dropped field become invisible.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

FIELD_TYPES = frozenset(
    {
        "id", "string", "reference", "currency", "double", "int", "date", "datetime",
        "boolean", "picklist", "textarea", "percent", "email", "url",
    }
)  # fmt: skip
NUMERIC_TYPES = frozenset({"currency", "double", "int", "percent"})
TEXT_TYPES = frozenset({"string", "picklist", "textarea", "email", "url"})
ID_TYPES = frozenset({"id", "reference"})


@dataclass(frozen=True, slots=True)
class PicklistValue:
    value: str
    label: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field as describe reports it (camelCase keys rendered by describe.py)."""

    name: str
    type: str
    label: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    required: bool = False
    external_id: bool = False
    unique: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship: str | None = None  # the parent's name for its children by this field
    picklist: tuple[PicklistValue, ...] = ()
    restricted: bool = False
    custom: bool = False
    calculated: bool = False
    defaulted_on_create: bool = False

    @property
    def picklist_values(self) -> frozenset[str]:
        return frozenset(v.value for v in self.picklist if v.active)

    @property
    def default_value(self) -> str | None:
        return next((v.value for v in self.picklist if v.default), None)


@dataclass(slots=True)
class ObjectDef:
    name: str
    label: str
    key_prefix: str
    custom: bool
    fields: dict[str, FieldDef]
    _by_lower: dict[str, FieldDef] = field(default_factory=dict, repr=False)
    _rel_by_lower: dict[str, FieldDef] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._by_lower = {name.lower(): f for name, f in self.fields.items()}
        self._rel_by_lower = {
            f.relationship_name.lower(): f for f in self.fields.values() if f.relationship_name
        }

    def field(self, name: str) -> FieldDef | None:
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        return self._rel_by_lower.get(name.lower())

    @property
    def external_ids(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.external_id or f.unique]


def _audit(name: str, kind: str, label: str, **extra: Any) -> FieldDef:
    """A system field: set by the org on every save, never by a client."""
    base: dict[str, Any] = {"createable": False, "updateable": False, "nillable": False}
    return FieldDef(name, kind, label, **{**base, **extra})


def _system_fields() -> dict[str, FieldDef]:
    user = {"length": 18, "reference_to": ("User",)}
    fields = [
        _audit("Id", "id", "Record ID", length=18, defaulted_on_create=True),
        _audit("IsDeleted", "boolean", "Deleted"),
        _audit("CreatedDate", "datetime", "Created Date"),
        _audit("CreatedById", "reference", "Created By ID", relationship_name="CreatedBy", **user),
        _audit("LastModifiedDate", "datetime", "Last Modified Date"),
        _audit(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            relationship_name="LastModifiedBy",
            **user,
        ),
        _audit("SystemModstamp", "datetime", "System Modstamp"),
    ]
    return {f.name: f for f in fields}


def field_from_spec(name: str, spec: dict[str, Any]) -> FieldDef:
    """Build a FieldDef from a schema.yaml entry (see the file's header for the keys)."""
    kind = str(spec["type"])
    if kind not in FIELD_TYPES:
        raise ValueError(f"field {name}: unknown type {kind!r}; use one of {sorted(FIELD_TYPES)}")
    readonly = bool(spec.get("readonly", False))
    required = bool(spec.get("required", False))
    values = tuple(_picklist_value(str(v)) for v in spec.get("values", ()))
    length = int(spec.get("length", 18 if kind in {"id", "reference"} else 0))
    if kind == "picklist" and not length:
        length = 255
    return FieldDef(
        name=name,
        type=kind,
        label=str(spec.get("label", name)),
        length=length,
        precision=int(spec.get("precision", 0)),
        scale=int(spec.get("scale", 0)),
        createable=not readonly,
        updateable=not readonly and not spec.get("createonly", False),
        nillable=bool(spec.get("nillable", not required and kind != "boolean")),
        required=required,
        external_id=bool(spec.get("externalId", False)),
        unique=bool(spec.get("unique", False)),
        reference_to=tuple(spec.get("referenceTo", ())),
        relationship_name=spec.get("relationshipName"),
        child_relationship=spec.get("childRelationshipName"),
        picklist=values,
        restricted=bool(spec.get("restricted", False)),
        custom=name.endswith("__c"),
        calculated=readonly and name not in {"IsStandard", "CaseNumber"},
        defaulted_on_create=kind == "boolean" or any(v.default for v in values),
    )


@functools.lru_cache(maxsize=8)
def _parse(text: str) -> Any:
    """Parsed YAML, cached: every sandbox builds fresh (mutable) objects from it."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def _picklist_value(text: str) -> PicklistValue:
    default = text.endswith("*")
    value = text.rstrip("*")
    return PicklistValue(value=value, label=value, default=default)


class Schema:
    """All objects of the org, by name (case-insensitive) and by id key prefix."""

    def __init__(self, objects: dict[str, ObjectDef]) -> None:
        self.objects = objects
        self._by_lower = {name.lower(): obj for name, obj in objects.items()}
        self._by_prefix = {obj.key_prefix: obj for obj in objects.values()}

    @classmethod
    def from_yaml(cls, path: Path | None = None) -> Schema:
        """Load schema.yaml (the packaged one by default)."""
        if path is None:
            text = resources.files(__package__).joinpath("schema.yaml").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        document = _parse(text)
        objects: dict[str, ObjectDef] = {}
        for name, spec in document["objects"].items():
            fields = _system_fields()
            for field_name, field_spec in spec["fields"].items():
                fields[field_name] = field_from_spec(field_name, field_spec)
            objects[name] = ObjectDef(
                name=name,
                label=str(spec.get("label", name)),
                key_prefix=str(spec["keyPrefix"]),
                custom=name.endswith("__c"),
                fields=fields,
            )
        return cls(objects)

    def get(self, name: str) -> ObjectDef | None:
        return self._by_lower.get(name.lower())

    def by_prefix(self, record_id: str) -> ObjectDef | None:
        return self._by_prefix.get(record_id[:3])

    def object(self, name: str) -> ObjectDef:
        obj = self.get(name)
        if obj is None:
            raise KeyError(f"no object {name!r} in the sandbox schema")
        return obj

    # -- drift helpers: what an admin does in Setup -------------------------------------

    def drop_field(self, sobject: str, field_name: str) -> None:
        """Delete a field: queries and writes naming it now fail with INVALID_FIELD."""
        obj = self.object(sobject)
        current = self._field(obj, field_name)
        del obj.fields[current.name]
        obj.reindex()

    def change_type(self, sobject: str, field_name: str, new_type: str, **changes: Any) -> None:
        """Retype a field (e.g. date -> string); extra FieldDef attributes may change too."""
        if new_type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {new_type!r}")
        obj = self.object(sobject)
        current = self._field(obj, field_name)
        obj.fields[current.name] = replace(current, type=new_type, **changes)
        obj.reindex()

    def add_field(self, sobject: str, field_name: str, spec: dict[str, Any]) -> FieldDef:
        """Create a field from a schema.yaml-style spec, e.g. {"type": "string", "length": 40}."""
        obj = self.object(sobject)
        if obj.field(field_name) is not None:
            raise ValueError(f"{sobject}.{field_name} already exists")
        new = field_from_spec(field_name, spec)
        obj.fields[field_name] = new
        obj.reindex()
        return new

    def update_field(self, sobject: str, field_name: str, **changes: Any) -> None:
        """Change field properties such as updateable=False or unique=False."""
        obj = self.object(sobject)
        current = self._field(obj, field_name)
        obj.fields[current.name] = replace(current, **changes)
        obj.reindex()

    @staticmethod
    def _field(obj: ObjectDef, field_name: str) -> FieldDef:
        current = obj.field(field_name)
        if current is None:
            raise KeyError(f"no field {field_name!r} on {obj.name}")
        return current


@dataclass(frozen=True, slots=True)
class ChildRelationship:
    """A parent's list of children, as describe's `childRelationships` names it."""

    name: str  # Opportunities, OpportunityLineItems, Tasks, Amendments__r...
    child: str
    field: str


def child_relationships(schema: Schema, parent: str) -> list[ChildRelationship]:
    """Every relationship by which records of other objects point at `parent`. A field's
    `childRelationshipName` wins; otherwise the standard plural of the child object
    (Opportunity -> Opportunities) or, for custom lookups, `<Child>s__r`."""
    found = []
    for other in schema.objects.values():
        for lookup in other.fields.values():
            if lookup.type != "reference" or parent not in lookup.reference_to:
                continue
            if lookup.name in {"CreatedById", "LastModifiedById"}:
                continue  # system audit lookups have no child relationship of their own
            found.append(ChildRelationship(_child_name(other, lookup), other.name, lookup.name))
    return found


def _child_name(child: ObjectDef, lookup: FieldDef) -> str:
    if lookup.child_relationship:
        return lookup.child_relationship
    if child.name.endswith("__c"):  # a custom object's children: its plural
        return f"{_plural(child.name.removesuffix('__c'))}__r"
    if lookup.custom:  # a custom lookup on a standard object: named after the field
        return f"{_plural(lookup.name.removesuffix('__c'))}__r"
    return _plural(child.name)


def _plural(base: str) -> str:
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return f"{base[:-1]}ies"
    return f"{base}es" if base.endswith(("s", "x")) else f"{base}s"
