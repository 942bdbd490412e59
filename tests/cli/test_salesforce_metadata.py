"""The Salesforce metadata an admin deploys: generated from the sandbox schema, committed
as generated, and covering every custom field the default mapping reads or writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from mappings import load_default
from mappings.schema import PerFromField, field_names
from tools.salesforce_metadata import GUIDE, NS, PROJECT, ROOT, SOURCE, expected_files, main

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
        root = _xml(OBJECTS / obj / "fields" / f"{name}.field-meta.xml")
        assert root.tag == f"{{{NS}}}CustomField"
        assert _text(root, "fullName") == name
        assert _text(root, "label")
        assert _text(root, "description")
        assert _text(root, "type")
    shipped = {(p.parent.parent.name, p.name.split(".")[0]) for p in OBJECTS.glob("*/fields/*")}
    assert shipped == needed, "no field is shipped that the mapping does not use"


def test_keys_are_external_ids_and_picklists_carry_their_values() -> None:
    for obj in ("Opportunity", "OpportunityLineItem", "Task"):
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
        assert f"| {obj} | `{name}` |" in guide
