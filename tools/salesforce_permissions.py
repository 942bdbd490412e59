"""The integration user's access as metadata, and an offline deploy-validate of the source.

`Renewal_Sync_Integration` (a PermissionSet,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_permissionset.htm)
grants what the default mapping needs and nothing more: field-level security on every
permissionable field it reads (readable) or writes (editable), read with View All on every
object it reads, create and edit where it upserts renewals, edit where it updates roll-ups,
and the user permissions `ApiEnabled` and `EditTask`. Fields that are always readable and so
take no field permission are left out (required fields, record ids, owners, audit fields,
master-detail links, Related To, the price book, system-calculated flags, every User and
PricebookEntry field), as a deploy refuses them. Opportunity
products, price book entries and tasks carry no object permissions of their own: they follow
Opportunity, Product2 + Pricebook2 and Edit Tasks.

`validate_source` is the part of `sf project deploy validate` that can run without an org:
every file parses, sits where the source format puts its type (custom Task fields under
Activity), holds only the elements the Metadata API documents for the type with the required
ones present, every custom field the mapping names is shipped, and the permission set covers
every field the mapping uses and names only fields that exist.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from mappings.schema import Mapping, PerFromField, field_names

NS = "http://soap.sforce.com/2006/04/metadata"
PERMISSION_SET = "Renewal_Sync_Integration"
USER_PERMISSIONS = ("ApiEnabled", "EditTask")
ACTIVITIES = frozenset({"Task", "Event"})
NO_OBJECT_PERMISSIONS = frozenset(
    {"Task", "Event", "OpportunityLineItem", "PricebookEntry", "User"}
)
ALWAYS_READABLE = frozenset(
    {"Id", "Name", "OwnerId", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
     "LastModifiedById", "SystemModstamp", "OpportunityId", "PricebookEntryId", "Product2Id",
     "Pricebook2Id", "IsStandard", "WhatId", "WhoId"}
)  # fmt: skip
NO_FIELD_PERMISSIONS = frozenset({"User", "PricebookEntry"})  # their fields are always readable
ELEMENTS = {
    "CustomField": {
        "fullName", "label", "description", "type", "length", "precision", "scale",
        "externalId", "unique", "caseSensitive", "required", "defaultValue", "visibleLines",
        "valueSet", "referenceTo", "relationshipName", "relationshipLabel", "deleteConstraint",
        "inlineHelpText", "trackHistory", "trackTrending", "formula",
    },
    "CustomObject": {
        "label", "pluralLabel", "nameField", "deploymentStatus", "sharingModel", "description",
        "enableActivities", "enableHistory", "enableReports", "enableSearch",
    },
    "PermissionSet": {
        "label", "description", "license", "hasActivationRequired", "fieldPermissions",
        "objectPermissions", "userPermissions",
    },
}  # fmt: skip
REQUIRED = {"CustomField": {"fullName", "label", "type"}, "CustomObject": {"label"},
            "PermissionSet": {"label"}}  # fmt: skip
TYPE_NEEDS = {"Text": {"length"}, "Currency": {"precision", "scale"},
              "Number": {"precision", "scale"}, "Percent": {"precision", "scale"},
              "LongTextArea": {"length", "visibleLines"}, "Picklist": {"valueSet"},
              "Lookup": {"referenceTo", "relationshipName"}}  # fmt: skip
SUFFIXES = {".field-meta.xml": "CustomField", ".object-meta.xml": "CustomObject",
            ".permissionset-meta.xml": "PermissionSet"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldUse:
    """A field the mapping names, resolved through dotted parents to where it lives."""

    obj: ObjectDef
    field: FieldDef
    written: bool

    @property
    def permission_name(self) -> str:
        """The name FLS uses: custom activity fields are Activity's, the rest their own."""
        owner = self.obj.name
        if owner in ACTIVITIES and self.field.custom:
            owner = "Activity"
        return f"{owner}.{self.field.name}"


def metadata_object(sobject: str) -> str:
    """The object a custom field's metadata belongs to: Task and Event fields are Activity's."""
    return "Activity" if sobject in ACTIVITIES else sobject


def field_uses(mapping: Mapping, schema: Schema) -> list[FieldUse]:
    """Every field the mapping reads or writes (written wins), dotted names resolved."""
    named: list[tuple[str, str, bool]] = []
    for concept in mapping.read.values():
        for spec in concept.fields.values():
            named += [(concept.object, n, False) for n in field_names(spec)]
            if isinstance(spec.per, PerFromField):
                named.append((concept.object, spec.per.field, False))
        named += [(concept.object, d.field, False) for d in concept.discounts]
    for concept_out in mapping.write.values():
        names = [s.field for s in concept_out.fields.values() if s.field is not None]
        key_field = concept_out.key_field
        names += [*concept_out.constants, *([key_field] if key_field else [])]
        named += [(concept_out.object, n, True) for n in names]
    found: dict[str, FieldUse] = {}
    for obj_name, name, is_written in named:
        obj, definition = resolve(schema, obj_name, name)
        key = f"{obj.name}.{definition.name}"
        earlier = found.get(key)
        found[key] = FieldUse(obj, definition, is_written or bool(earlier and earlier.written))
    return sorted(found.values(), key=lambda u: (u.obj.name, u.field.name))


def resolve(schema: Schema, obj_name: str, used: str) -> tuple[ObjectDef, FieldDef]:
    obj, name = schema.object(obj_name), used
    relation, dot, rest = used.partition(".")
    if dot:
        lookup = obj.relationship(relation)
        if lookup is None:
            raise KeyError(f"no relationship {relation} on {obj.name}")
        obj, name = schema.object(lookup.reference_to[0]), rest
    definition = obj.field(name)
    if definition is None:
        raise KeyError(f"the sandbox schema has no {obj.name}.{name}")
    return obj, definition


def permissionable(use: FieldUse) -> bool:
    field = use.field
    if field.required or field.name in ALWAYS_READABLE or use.obj.name in NO_FIELD_PERMISSIONS:
        return False
    return field.custom or not field.calculated


def render_permission_set(mapping: Mapping, schema: Schema) -> str:
    uses = [u for u in field_uses(mapping, schema) if permissionable(u)]
    body = [
        "<description>What renewal-sync's integration user reads and writes: field-level "
        "security for every field of the default mapping, object access, API Enabled and "
        "Edit Tasks. Assign it to the integration user.</description>",
        "<hasActivationRequired>false</hasActivationRequired>",
        "<label>Renewal Sync Integration</label>",
    ]
    for use in sorted(uses, key=lambda u: u.permission_name):
        editable = use.written and (use.field.updateable or use.field.createable)
        body.append(
            "<fieldPermissions>"
            f"<editable>{_bool(editable)}</editable>"
            f"<field>{escape(use.permission_name)}</field>"
            "<readable>true</readable>"
            "</fieldPermissions>"
        )
    for obj, (create, edit) in sorted(_object_access(mapping, uses).items()):
        body.append(
            "<objectPermissions>"
            f"<allowCreate>{_bool(create)}</allowCreate>"
            "<allowDelete>false</allowDelete>"
            f"<allowEdit>{_bool(edit)}</allowEdit>"
            "<allowRead>true</allowRead>"
            "<modifyAllRecords>false</modifyAllRecords>"
            f"<object>{obj}</object>"
            "<viewAllRecords>true</viewAllRecords>"
            "</objectPermissions>"
        )
    for name in USER_PERMISSIONS:
        body.append(
            f"<userPermissions><enabled>true</enabled><name>{name}</name></userPermissions>"
        )
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<PermissionSet xmlns="{NS}">']
    lines += [f"    {line}" for element in body for line in _pretty(element).split("\n")]
    return "\n".join([*lines, "</PermissionSet>", ""])


def _object_access(mapping: Mapping, uses: list[FieldUse]) -> dict[str, tuple[bool, bool]]:
    """object -> (create, edit); every object a field is read from is read with View All."""
    access = {u.obj.name: (False, False) for u in uses}
    access |= {c.object: access.get(c.object, (False, False)) for c in mapping.read.values()}
    for concept_out in mapping.write.values():
        create, _ = access.get(concept_out.object, (False, False))
        creates = create or (concept_out.key_field or "Id") != "Id"
        access[concept_out.object] = (creates, True)
    return {o: a for o, a in access.items() if o not in NO_OBJECT_PERMISSIONS}


def _pretty(element: str) -> str:
    """One element per line inside a permission block, as a metadata retrieve writes it."""
    if not element.startswith(("<fieldPermissions>", "<objectPermissions>", "<userPermissions>")):
        return element
    tag = element[1 : element.index(">")]
    inner = element[len(tag) + 2 : -(len(tag) + 3)]
    parts = [f"<{p}" for p in inner.split("<") if p and not p.startswith("/")]
    children = [f"{p}</{p[1 : p.index('>')]}>" for p in parts]
    return "\n".join([f"<{tag}>", *(f"    {c}" for c in children), f"</{tag}>"])


def _bool(value: bool) -> str:
    return "true" if value else "false"


# -- validate -------------------------------------------------------------------------------


def validate_source(source: Path, mapping: Mapping, schema: Schema) -> list[str]:
    """Every problem a deploy of `source` (force-app/main/default) would meet, offline."""
    problems: list[str] = []
    shipped: set[str] = set()
    for path in sorted(source.rglob("*-meta.xml")):
        problems += _check_file(source, path, shipped)
    for use in field_uses(mapping, schema):
        if use.field.custom and use.permission_name not in shipped:
            problems.append(
                f"{use.obj.name}.{use.field.name}: the mapping uses it, no file ships it"
            )
    problems += _check_permissions(source, mapping, schema, shipped)
    return problems


def _check_file(source: Path, path: Path, shipped: set[str]) -> list[str]:
    where = path.relative_to(source)
    kind = next((k for suffix, k in SUFFIXES.items() if path.name.endswith(suffix)), None)
    if kind is None:
        return [f"{where}: not a metadata type this project ships"]
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - the project's own committed files
    except ET.ParseError as error:
        return [f"{where}: not well-formed XML ({error})"]
    if root.tag != f"{{{NS}}}{kind}":
        return [f"{where}: the root element must be {kind} in {NS}"]
    problems = _check_layout(where, kind, root)
    present = {child.tag.removeprefix(f"{{{NS}}}") for child in root}
    problems += [
        f"{where}: <{t}> is not a {kind} element" for t in sorted(present - ELEMENTS[kind])
    ]
    problems += [f"{where}: <{t}> is required" for t in sorted(REQUIRED[kind] - present)]
    if kind == "CustomField":
        field_type = root.findtext(f"{{{NS}}}type") or ""
        missing = TYPE_NEEDS.get(field_type, set()) - present
        problems += [f"{where}: a {field_type} field needs <{t}>" for t in sorted(missing)]
        shipped.add(f"{where.parts[1]}.{root.findtext(f'{{{NS}}}fullName')}")
    return problems


def _check_layout(where: Path, kind: str, root: ET.Element) -> list[str]:
    parts = where.parts
    stem = where.name.split(".")[0]
    if kind == "PermissionSet":
        return [] if parts[0] == "permissionsets" and len(parts) == 2 else [
            f"{where}: permission sets live in permissionsets/<Name>.permissionset-meta.xml"
        ]  # fmt: skip
    if parts[0] != "objects":
        return [f"{where}: {kind} files live under objects/"]
    if kind == "CustomObject":
        if len(parts) != 3 or parts[1] != stem:
            return [f"{where}: an object lives in objects/<Object>/<Object>.object-meta.xml"]
        return []
    problems = []
    if len(parts) != 4 or parts[2] != "fields":
        problems.append(f"{where}: a field lives in objects/<Object>/fields/<Field>.field-meta.xml")
    if root.findtext(f"{{{NS}}}fullName") != stem:
        problems.append(f"{where}: <fullName> must be the file's name, {stem}")
    if parts[1] in ACTIVITIES:
        problems.append(
            f"{where}: custom {parts[1]} fields are Activity fields: "
            f"objects/Activity/fields/{where.name}"
        )
    return problems


def _check_permissions(
    source: Path, mapping: Mapping, schema: Schema, shipped: set[str]
) -> list[str]:
    path = source / "permissionsets" / f"{PERMISSION_SET}.permissionset-meta.xml"
    if not path.is_file():
        return [f"permissionsets/{path.name}: missing; the integration user needs it"]
    root = ET.parse(path).getroot()  # noqa: S314 - the project's own committed files
    granted: dict[str, tuple[bool, bool]] = {}
    problems = []
    for item in root.iter(f"{{{NS}}}fieldPermissions"):
        name = item.findtext(f"{{{NS}}}field") or ""
        readable = item.findtext(f"{{{NS}}}readable") == "true"
        editable = item.findtext(f"{{{NS}}}editable") == "true"
        granted[name] = (readable, editable)
        if editable and not readable:
            problems.append(f"{PERMISSION_SET}: {name} is editable but not readable")
        if not _exists(name, schema, shipped):
            problems.append(f"{PERMISSION_SET}: {name} is not a field of the org or the source")
    for use in field_uses(mapping, schema):
        if not permissionable(use):
            continue
        readable, editable = granted.get(use.permission_name, (False, False))
        if not readable:
            problems.append(f"{PERMISSION_SET}: no read access to {use.permission_name}")
        elif use.written and not editable and use.field.updateable:
            problems.append(
                f"{PERMISSION_SET}: the mapping writes {use.permission_name}, not editable"
            )
    for item in root.iter(f"{{{NS}}}objectPermissions"):
        obj = item.findtext(f"{{{NS}}}object") or ""
        if obj not in schema.objects:
            problems.append(f"{PERMISSION_SET}: object {obj} does not exist")
        if item.findtext(f"{{{NS}}}allowEdit") == "true" != item.findtext(f"{{{NS}}}allowRead"):
            problems.append(f"{PERMISSION_SET}: {obj} allows edit without read")
    return problems


def _exists(name: str, schema: Schema, shipped: set[str]) -> bool:
    obj, _, field = name.partition(".")
    if name in shipped:
        return True
    owners = ACTIVITIES if obj == "Activity" else {obj}
    return any(o in schema.objects and schema.object(o).field(field) for o in owners)
