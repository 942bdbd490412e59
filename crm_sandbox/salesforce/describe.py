"""Describe answers: the global object list and one object's fields, in the REST shape.

Only the keys a sync needs are filled in truthfully (name, type, label, length, precision,
scale, createable, updateable, nillable, externalId, unique, idLookup, referenceTo,
relationshipName, picklistValues, restrictedPicklist, custom, calculated); the rest of a
real describe (layouts, record types, child relationships' cascade flags) is left out.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, Schema, child_relationships

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string",
    "picklist": "xsd:string", "email": "xsd:string", "url": "xsd:string",
    "currency": "xsd:double", "double": "xsd:double", "percent": "xsd:double", "int": "xsd:int",
    "date": "xsd:date", "datetime": "xsd:dateTime", "boolean": "xsd:boolean",
}  # fmt: skip


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label + "s",
        "keyPrefix": obj.key_prefix,
        "custom": obj.custom,
        "queryable": True,
        "retrieveable": True,
        "searchable": True,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "undeletable": True,
        "layoutable": True,
        "urls": _urls(obj, version),
    }


def global_describe(schema: Schema, version: str) -> dict[str, Any]:
    objects = sorted(schema.objects.values(), key=lambda o: o.name)
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(o, version) for o in objects],
    }


def describe_field(field: FieldDef) -> dict[str, Any]:
    return {
        "name": field.name,
        "label": field.label,
        "type": field.type,
        "soapType": _SOAP_TYPES[field.type],
        "length": field.length if field.type not in {"currency", "double", "percent", "int"} else 0,
        "precision": field.precision,
        "scale": field.scale,
        "digits": 9 if field.type == "int" else 0,
        "createable": field.createable,
        "updateable": field.updateable,
        "nillable": field.nillable,
        "defaultedOnCreate": field.defaulted_on_create,
        "externalId": field.external_id,
        "unique": field.unique,
        "idLookup": field.name == "Id" or field.external_id,
        "caseSensitive": False,
        "calculated": field.calculated,
        "custom": field.custom,
        "filterable": field.type != "textarea",
        "sortable": field.type != "textarea",
        "groupable": field.type not in {"textarea", "double", "currency", "percent", "datetime"},
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "restrictedPicklist": field.restricted,
        "picklistValues": [
            {
                "value": v.value,
                "label": v.label,
                "active": v.active,
                "defaultValue": v.default,
                "validFor": None,
            }
            for v in field.picklist
        ],
        "defaultValue": field.default_value,
    }


def describe_object(schema: Schema, obj: ObjectDef, version: str) -> dict[str, Any]:
    body = object_summary(obj, version)
    body["fields"] = [describe_field(f) for f in obj.fields.values()]
    body["childRelationships"] = _children(schema, obj)
    body["recordTypeInfos"] = []
    return body


def _children(schema: Schema, obj: ObjectDef) -> list[dict[str, Any]]:
    return [
        {
            "childSObject": rel.child,
            "field": rel.field,
            "relationshipName": rel.name,
            "cascadeDelete": False,
        }
        for rel in child_relationships(schema, obj.name)
    ]
