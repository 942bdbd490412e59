"""The Salesforce metadata an admin deploys: generated from the sandbox schema, committed
as generated, and covering every custom field the default mapping reads or writes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from crm_sandbox.salesforce.schema import Schema
from mappings import load_default
from mappings.schema import PerFromField, field_names
from tools.salesforce_metadata import GUIDE, PROJECT, ROOT, SOURCE, expected_files, main
from tools.salesforce_permissions import NS, metadata_object, validate_source

OBJECTS = SOURCE / "objects"
PARENTS = {"Product2": "Product2", "Pricebook2": "Pricebook2"}  # the default's dotted hops


def _custom_fields_of_the_default() -> set[tuple[str, str]]:
    """(object, field) for every `__c` name in the default mapping, read and write."""
    mapping = load_default("salesforce")
    used: set[tuple[str, str]] = set()
    for concept in mapping.read.values():
        for spec in concept.fields.values():
            names = list(field_names(spec))
            names += [spec.per.field] if isinstance(spec.per, PerFromField) else []
            used |= {(concept.object, n) for n in names}
        used |= {(concept.object, d.field) for d in concept.discounts}
    for written in mapping.write.values():
        used |= {(written.object, s.field) for s in written.fields.values() if s.field}
        used |= {(written.object, c) for c in written.constants}
        used |= {(written.object, written.key_field)} if written.key_field else set()
    resolved = set()
    for obj, name in used:
        relation, dot, rest = name.partition(".")
        resolved.add((PARENTS[relation], rest) if dot else (obj, name))
    return {(o, f) for o, f in resolved if f.endswith("__c")}


def _xml(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _text(root: ET.Element, tag: str) -> str | None:
    return root.findtext(f"{{{NS}}}{tag}")


def test_the_committed_files_are_what_the_generator_writes() -> None:
    for path, text in expected_files().items():
        assert path.is_file(), (
            f"missing {path.relative_to(ROOT)}: run python -m tools.salesforce_metadata"
        )
        assert path.read_text(encoding="utf-8") == text, f"{path.relative_to(ROOT)} is out of date"
    assert main(["--check"]) == 0


def test_every_custom_field_of_the_default_mapping_has_valid_metadata() -> None:
    needed = _custom_fields_of_the_default()
    assert ("OpportunityLineItem", "Price_Period__c") in needed
    assert ("Product2", "Brick_Kind__c") in needed
    assert ("Task", "Renewal_Sync_Key__c") in needed
    for obj, name in sorted(needed):
        root = _xml(OBJECTS / metadata_object(obj) / "fields" / f"{name}.field-meta.xml")
        assert root.tag == f"{{{NS}}}CustomField"
        assert _text(root, "fullName") == name
        assert _text(root, "label")
        assert _text(root, "description")
        assert _text(root, "type")
    shipped = {(p.parent.parent.name, p.name.split(".")[0]) for p in OBJECTS.glob("*/fields/*")}
    wanted = {(metadata_object(obj), name) for obj, name in needed}
    assert shipped == wanted, "no field is shipped that the mapping does not use"


def test_keys_are_external_ids_and_picklists_carry_their_values() -> None:
    for obj in ("Opportunity", "OpportunityLineItem", "Activity"):
        key = _xml(OBJECTS / obj / "fields" / "Renewal_Sync_Key__c.field-meta.xml")
        assert (_text(key, "externalId"), _text(key, "unique")) == ("true", "true")
    period = _xml(OBJECTS / "OpportunityLineItem" / "fields" / "Price_Period__c.field-meta.xml")
    assert _text(period, "type") == "Picklist"
    values = [v.findtext(f"{{{NS}}}fullName") for v in period.iter(f"{{{NS}}}value")]
    assert values == ["Year", "Term"]


def test_the_nps_object_ships_with_its_object_definition() -> None:
    root = _xml(OBJECTS / "NPS_Response__c" / "NPS_Response__c.object-meta.xml")
    assert root.tag == f"{{{NS}}}CustomObject"
    assert _text(root, "label") == "NPS Response"
    assert _text(root, "deploymentStatus") == "Deployed"
    lookup = _xml(OBJECTS / "NPS_Response__c" / "fields" / "Account__c.field-meta.xml")
    assert (_text(lookup, "type"), _text(lookup, "referenceTo")) == ("Lookup", "Account")


def test_the_project_file_and_the_setup_guide_list_everything() -> None:
    project = json.loads((PROJECT / "sfdx-project.json").read_text())
    assert (PROJECT / project["packageDirectories"][0]["path"]).is_dir()
    guide = GUIDE.read_text()
    for obj, name in _custom_fields_of_the_default():
        shown = obj if metadata_object(obj) == obj else f"{obj} ({metadata_object(obj)})"
        assert f"| {shown} | `{name}` |" in guide


# -- deploy-validate, offline (tools/salesforce_permissions.py) ----------------------------
# Layout and elements: https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_source_format.htm,
# customfield.htm and meta_permissionset.htm; custom Task and Event fields are Activity
# fields: https://help.salesforce.com/s/articleView?id=sf.activity_custom_fields.htm

PERMISSIONS = SOURCE / "permissionsets" / "Renewal_Sync_Integration.permissionset-meta.xml"


def _validate(source: Path) -> list[str]:
    return validate_source(source, load_default("salesforce"), Schema.from_yaml())


@pytest.fixture
def source(tmp_path: Path) -> Path:
    copy = tmp_path / "default"
    shutil.copytree(SOURCE, copy)
    return copy


def test_the_shipped_source_validates_and_the_command_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _validate(SOURCE) == []
    assert main(["--validate"]) == 0
    assert "force-app/main/default: OK" in capsys.readouterr().out


def test_task_fields_ship_on_activity_and_the_permission_set_grants_them() -> None:
    assert not (OBJECTS / "Task").exists()
    assert (OBJECTS / "Activity" / "fields" / "Renewal_Sync_Key__c.field-meta.xml").is_file()
    root = _xml(PERMISSIONS)
    assert _text(root, "label") == "Renewal Sync Integration"
    granted = {
        p.findtext(f"{{{NS}}}field"): p.findtext(f"{{{NS}}}editable")
        for p in root.iter(f"{{{NS}}}fieldPermissions")
    }
    assert granted["Activity.Renewal_Sync_Key__c"] == "true"  # the task upsert key, written
    assert granted["Opportunity.Renewal_Ledger__c"] == "true"
    assert granted["Account.Segment__c"] == "false"  # read only
    assert "Opportunity.StageName" not in granted  # required: always readable, no FLS
    custom = {f"{metadata_object(o)}.{n}" for o, n in _custom_fields_of_the_default()}
    assert custom <= set(granted)
    users = {p.findtext(f"{{{NS}}}name") for p in root.iter(f"{{{NS}}}userPermissions")}
    assert users == {"ApiEnabled", "EditTask"}
    objects = {
        o.findtext(f"{{{NS}}}object"): (
            o.findtext(f"{{{NS}}}allowCreate"), o.findtext(f"{{{NS}}}allowEdit")
        )
        for o in root.iter(f"{{{NS}}}objectPermissions")
    }  # fmt: skip
    assert objects["Opportunity"] == ("true", "true")
    assert objects["Account"] == ("false", "true")  # roll-ups update, never create
    assert objects["NPS_Response__c"] == ("false", "false")


def test_a_task_field_under_task_is_refused_with_where_it_belongs(source: Path) -> None:
    (source / "objects" / "Task" / "fields").mkdir(parents=True)
    shutil.move(
        source / "objects" / "Activity" / "fields" / "Renewal_Sync_Key__c.field-meta.xml",
        source / "objects" / "Task" / "fields" / "Renewal_Sync_Key__c.field-meta.xml",
    )
    problems = _validate(source)
    assert any("objects/Activity/fields/Renewal_Sync_Key__c.field-meta.xml" in p for p in problems)
    assert any(
        "Task.Renewal_Sync_Key__c: the mapping uses it, no file ships it" in p for p in problems
    )


def test_unknown_or_missing_elements_and_broken_xml_are_named(source: Path) -> None:
    ledger = source / "objects" / "Opportunity" / "fields" / "Renewal_Ledger__c.field-meta.xml"
    ledger.write_text(
        ledger.read_text().replace("<visibleLines>5</visibleLines>", "<colour>red</colour>")
    )
    credit = source / "objects" / "Opportunity" / "fields" / "Recast_Credit__c.field-meta.xml"
    credit.write_text(credit.read_text().replace("<label>Recast Credit</label>", ""))
    score = source / "objects" / "NPS_Response__c" / "fields" / "Score__c.field-meta.xml"
    score.write_text(score.read_text()[:-30])
    problems = "\n".join(_validate(source))
    assert "Renewal_Ledger__c.field-meta.xml: <colour> is not a CustomField element" in problems
    assert "Renewal_Ledger__c.field-meta.xml: a LongTextArea field needs <visibleLines>" in problems
    assert "Recast_Credit__c.field-meta.xml: <label> is required" in problems
    assert "Score__c.field-meta.xml: not well-formed XML" in problems


def test_a_permission_set_that_misses_a_field_or_names_a_ghost_is_refused(source: Path) -> None:
    path = source / "permissionsets" / PERMISSIONS.name
    text = path.read_text()
    text = text.replace(
        "<field>Opportunity.Renewal_Ledger__c</field>", "<field>Opportunity.Ledger__c</field>"
    )
    path.write_text(text)
    problems = _validate(source)
    assert "Renewal_Sync_Integration: no read access to Opportunity.Renewal_Ledger__c" in problems
    assert (
        "Renewal_Sync_Integration: Opportunity.Ledger__c is not a field of the org or the source"
        in problems
    )
    path.unlink()
    assert any("missing; the integration user needs it" in p for p in _validate(source))
