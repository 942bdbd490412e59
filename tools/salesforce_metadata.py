"""Generate the Salesforce metadata (source format) for the custom fields the service needs.

Every custom field the default mapping reads or writes, the NPS_Response__c and
Customer_Feedback__c objects, and the `Renewal_Sync_Integration` permission set (field-level
security on every field the mapping reads or writes, object access, API Enabled, Edit Tasks)
are rendered from the sandbox org's schema (crm_sandbox/salesforce/schema.yaml), so the
deployable metadata, the sandbox and the mapping cannot drift apart; a test compares the
committed files with this generator's output. Custom Task fields live on the Activity object
(`objects/Activity/fields/`), as Salesforce keeps them for Task and Event alike.

    python -m tools.salesforce_metadata             # rewrite salesforce/ and the setup guide
    python -m tools.salesforce_metadata --check     # exit 1 when a committed file differs
    python -m tools.salesforce_metadata --validate  # the deploy-validate check, offline
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from mappings import load_default
from mappings.schema import Mapping
from tools.salesforce_permissions import (
    NS,
    PERMISSION_SET,
    field_uses,
    metadata_object,
    render_permission_set,
    validate_source,
)

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "salesforce"
SOURCE = PROJECT / "force-app" / "main" / "default"
GUIDE = ROOT / "docs" / "salesforce-setup.md"
API_VERSION = "60.0"
TABLE_START, TABLE_END = "<!-- fields:start -->", "<!-- fields:end -->"

PURPOSE: dict[str, str] = {
    "Account.Segment__c": "Customer segment; picks the health weights (read)",
    "Account.Licensed_Seats__c": "Seats the customer pays for; seat-usage part of health (read)",
    "Account.Active_Seats__c": "Seats in use; seat-usage part of health (read)",
    "Account.Renewal_Sync_Key__c": "Matches the account to the contract source (read)",
    "Account.Health_Score__c": "Health score 0-100 (written)",
    "Account.Health_Tier__c": "Health tier green / yellow / red (written)",
    "Account.Health_Parts__c": "The parts of the health score, as text (written)",
    "Account.Health_Date__c": "Day the health score was computed (written)",
    "Account.Active_ARR__c": "Annual recurring revenue of live contracts (written)",
    "Account.Next_Renewal_Date__c": "Close date of the next open renewal (written)",
    "Account.Open_Renewal_Amount__c": "Expected spend of open renewals (written)",
    "Opportunity.Contract_Start_Date__c": "First day of the order's term (read and written)",
    "Opportunity.Contract_End_Date__c": "Last day of the order's term (read and written)",
    "Opportunity.Renewal_Terms__c": "Automatic or manual renewal (read and written)",
    "Opportunity.Amended_Opportunity__c": "The order this one amends (read)",
    "Opportunity.Renewed_Opportunity__c": "The order this renewal renews (read and written)",
    "Opportunity.Product_Family__c": "The product the contract is for (read and written)",
    "Opportunity.Billed_To_Date__c": "Amount billed so far; termination credits (read)",
    "Opportunity.Renewal_Sync_Key__c": "Key of a renewal the service manages (upsert key)",
    "Opportunity.Renewal_Lapsed__c": "A manual renewal still open after its end date (written)",
    "Opportunity.Renewal_Computed_Amount__c": "Expected spend as computed (written)",
    "Opportunity.Renewal_Ledger__c": "How the renewal amount was computed (written)",
    "Opportunity.Recast_Credit__c": "Credit a recast carries for what it replaced (written)",
    "Opportunity.Recast_Credit_Note__c": "How the recast credit was computed (written)",
    "Opportunity.Loss_Reason__c": "Why a renewal was closed lost (read and written)",
    "OpportunityLineItem.Precommit_Amount__c": "Yearly pre-committed spend (read and written)",
    "OpportunityLineItem.Price_Period__c": "Whether UnitPrice is per year or per term",
    "OpportunityLineItem.Renewal_Sync_Key__c": "Key of a renewal line (upsert key)",
    "OpportunityLineItem.Recurring_Discount_Amount__c": "Yearly discount amount (read, written)",
    "OpportunityLineItem.One_Time_Discount_Amount__c": "First-term-only discount amount (read)",
    "OpportunityLineItem.One_Time_Discount_Percent__c": "First-term-only discount percent (read)",
    "Product2.Brick_Kind__c": "plan / subscription / one_time / usage (read)",
    "Task.Renewal_Sync_Key__c": "Key of a milestone task (upsert key)",
    "NPS_Response__c.Account__c": "The account that answered (read)",
    "NPS_Response__c.Score__c": "NPS score 0-10; NPS part of health (read)",
    "NPS_Response__c.Responded_At__c": "When the answer came in (read)",
    "Customer_Feedback__c.Account__c": "The account that answered (read)",
    "Customer_Feedback__c.Sentiment__c": "The answer's sentiment; feedback part of health (read)",
    "Customer_Feedback__c.Responded_At__c": "When the answer came in (read)",
}
"""Why the service needs each field: the XML description and the setup guide's table."""


@dataclass(frozen=True, slots=True)
class CustomField:
    obj: ObjectDef
    field: FieldDef

    @property
    def key(self) -> str:
        return f"{self.obj.name}.{self.field.name}"


def needed_fields(mapping: Mapping, schema: Schema) -> list[CustomField]:
    """Every custom field the mapping uses, with dotted names followed to the parent."""
    return [CustomField(u.obj, u.field) for u in field_uses(mapping, schema) if u.field.custom]


def render_field(custom: CustomField) -> str:
    """A CustomField .field-meta.xml document."""
    field = custom.field
    body = [
        f"<fullName>{field.name}</fullName>",
        f"<description>{escape(PURPOSE[custom.key])}</description>",
        *_type_elements(custom),
        f"<label>{escape(field.label)}</label>",
    ]
    return _document("CustomField", body)


def _type_elements(custom: CustomField) -> list[str]:  # noqa: PLR0911 - one branch per type
    field = custom.field
    flags = [f"<externalId>{_bool(field.external_id)}</externalId>"]
    required = [f"<required>{_bool(field.required)}</required>"]
    number = [f"<precision>{field.precision}</precision>", f"<scale>{field.scale}</scale>"]
    kind = field.type
    if kind == "string":
        unique = [f"<unique>{_bool(field.unique)}</unique>", "<caseSensitive>false</caseSensitive>"]
        return [*flags, f"<length>{field.length}</length>", *required, "<type>Text</type>", *unique]
    if kind == "textarea":
        return [f"<length>{field.length}</length>", "<type>LongTextArea</type>",
                "<visibleLines>5</visibleLines>"]  # fmt: skip
    if kind in {"currency", "double", "percent"}:
        name = {"currency": "Currency", "double": "Number", "percent": "Percent"}[kind]
        return [*flags, *number, *required, f"<type>{name}</type>"]
    if kind in {"date", "datetime"}:
        return [*required, f"<type>{'Date' if kind == 'date' else 'DateTime'}</type>"]
    if kind == "boolean":
        return ["<defaultValue>false</defaultValue>", "<type>Checkbox</type>"]
    if kind == "picklist":
        return [*required, "<type>Picklist</type>", *_value_set(field)]
    if kind == "reference":
        return _lookup(custom)
    raise ValueError(f"{custom.key}: no metadata type for {kind}")


def _value_set(field: FieldDef) -> list[str]:
    values = [
        f"<value><fullName>{escape(v.value)}</fullName><default>{_bool(v.default)}</default>"
        f"<label>{escape(v.label)}</label></value>"
        for v in field.picklist
    ]
    block = [
        "<valueSet>",
        f"    <restricted>{_bool(field.restricted)}</restricted>",
        "    <valueSetDefinition>",
        "        <sorted>false</sorted>",
        *(f"        {v}" for v in values),
        "    </valueSetDefinition>",
        "</valueSet>",
    ]
    return ["\n".join(block)]


def _lookup(custom: CustomField) -> list[str]:
    """A lookup; its relationshipName is the child relationship seen from the parent."""
    stem = custom.field.name.removesuffix("__c")
    child = f"{custom.obj.name.removesuffix('__c')}_{stem}"
    return [
        "<deleteConstraint>SetNull</deleteConstraint>",
        f"<referenceTo>{custom.field.reference_to[0]}</referenceTo>",
        f"<relationshipLabel>{escape(custom.obj.label)} ({escape(custom.field.label)})"
        "</relationshipLabel>",
        f"<relationshipName>{child}</relationshipName>",
        "<required>false</required>",
        "<type>Lookup</type>",
    ]


def render_object(obj: ObjectDef) -> str:
    """A CustomObject .object-meta.xml document (fields are files of their own)."""
    name_field = obj.field("Name")
    label = name_field.label if name_field else f"{obj.label} Name"
    body = [
        "<deploymentStatus>Deployed</deploymentStatus>",
        f"<description>{escape(obj.label)}s the service reads for account health</description>",
        f"<label>{escape(obj.label)}</label>",
        f"<nameField><label>{escape(label)}</label><type>Text</type></nameField>",
        f"<pluralLabel>{escape(obj.label)}s</pluralLabel>",
        "<sharingModel>ReadWrite</sharingModel>",
    ]
    return _document("CustomObject", body)


def _document(root: str, body: list[str]) -> str:
    """Elements in the order a metadata retrieve writes them: fullName, then by name."""
    ordered = sorted(body, key=lambda e: (not e.startswith("<fullName>"), e[1:].split(">")[0]))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{NS}">']
    lines += [f"    {line}" for element in ordered for line in element.split("\n")]
    return "\n".join([*lines, f"</{root}>", ""])


def _bool(value: bool) -> str:
    return "true" if value else "false"


def project_json() -> str:
    return (
        "{\n"
        '    "packageDirectories": [{"path": "force-app", "default": true}],\n'
        '    "name": "renewal-sync",\n'
        '    "namespace": "",\n'
        '    "sfdcLoginUrl": "https://login.salesforce.com",\n'
        f'    "sourceApiVersion": "{API_VERSION}"\n'
        "}\n"
    )


def field_table(fields: list[CustomField]) -> str:
    """The setup guide's table: object, field, type, purpose."""
    rows = ["| Object | Field | Type | Purpose |", "|---|---|---|---|"]
    for custom in fields:
        where = metadata_object(custom.obj.name)
        shown = custom.obj.name if where == custom.obj.name else f"{custom.obj.name} ({where})"
        rows.append(
            f"| {shown} | `{custom.field.name}` | {_type_label(custom.field)} "
            f"| {PURPOSE[custom.key]} |"
        )
    return "\n".join(rows)


def _type_label(field: FieldDef) -> str:
    if field.type == "picklist":
        return f"Picklist ({', '.join(v.value for v in field.picklist)})"
    if field.type == "reference":
        return f"Lookup({field.reference_to[0]})"
    extra = " External ID, Unique" if field.external_id else ""
    names = {"string": f"Text({field.length})", "textarea": f"Long Text Area({field.length})",
             "currency": f"Currency({field.precision}, {field.scale})",
             "double": f"Number({field.precision}, {field.scale})",
             "percent": f"Percent({field.precision}, {field.scale})", "date": "Date",
             "datetime": "Date/Time", "boolean": "Checkbox"}  # fmt: skip
    return names[field.type] + extra


def expected_files(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and its content (the guide only between its table markers)."""
    schema = Schema.from_yaml()
    fields = needed_fields(load_default("salesforce"), schema)
    source = root / SOURCE.relative_to(ROOT)
    files = {root / "salesforce" / "sfdx-project.json": project_json()}
    for custom in fields:
        folder = source / "objects" / metadata_object(custom.obj.name)
        files[folder / "fields" / f"{custom.field.name}.field-meta.xml"] = render_field(custom)
        if custom.obj.custom:
            files[folder / f"{custom.obj.name}.object-meta.xml"] = render_object(custom.obj)
    permissions = source / "permissionsets" / f"{PERMISSION_SET}.permissionset-meta.xml"
    files[permissions] = render_permission_set(load_default("salesforce"), schema)
    guide = root / GUIDE.relative_to(ROOT)
    files[guide] = _with_table(guide.read_text("utf-8"), field_table(fields))
    return files


def _with_table(guide: str, table: str) -> str:
    head, _, rest = guide.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


def main(argv: list[str]) -> int:
    if "--validate" in argv:
        problems = validate_source(SOURCE, load_default("salesforce"), Schema.from_yaml())
        for problem in problems:
            print(problem)
        print(
            f"{SOURCE.relative_to(ROOT)}: {'OK' if not problems else f'{len(problems)} problem(s)'}"
        )
        return 1 if problems else 0
    stale = [p for p, text in expected_files().items() if not p.is_file() or p.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(stale)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
