"""One record written the way the org's save pipeline does it.

Order of checks, as in a real save: unknown fields fail the whole request (INVALID_FIELD);
then per record: fields the caller may not set (INVALID_FIELD_FOR_INSERT_UPDATE), required
fields (REQUIRED_FIELD_MISSING), restricted picklists (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST),
text length (STRING_TOO_LONG), lookups (INVALID_CROSS_REFERENCE_KEY / ENTITY_IS_DELETED),
unique values (DUPLICATE_VALUE). Then derived fields, then the audit stamps from the
SandboxClock: CreatedDate/CreatedById on insert, LastModifiedDate/LastModifiedById and
SystemModstamp on every write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce.derived import Derivation, rollup_amount
from crm_sandbox.salesforce.errors import ApiError, RecordFailure
from crm_sandbox.salesforce.ids import IdFactory, to18
from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from crm_sandbox.salesforce.store import Row, Store
from crm_sandbox.salesforce.values import coerce, format_datetime

CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Opportunity", "AccountId"), ("Case", "AccountId")),
    "Opportunity": (("OpportunityLineItem", "OpportunityId"), ("Task", "WhatId")),
}
"""Children deleted with their parent: an opportunity takes its products and its activities
(Salesforce Help, "Delete Records": related-list records such as activities go to the
Recycle Bin with the record they belong to)."""


class Writer:
    """Create, update, upsert and soft-delete single records inside the store's lock."""

    def __init__(
        self,
        schema: Schema,
        store: Store,
        ids: IdFactory,
        clock: SandboxClock,
        current_user: Callable[[], str],
        *,
        amount_rollup: bool = True,
    ) -> None:
        self.schema = schema
        self.store = store
        self.ids = ids
        self.clock = clock
        self.current_user = current_user
        self.derive = Derivation(store, amount_rollup)

    def object(self, sobject: str) -> ObjectDef:
        obj = self.schema.get(sobject)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj

    def parse_body(self, obj: ObjectDef, body: dict[str, Any]) -> dict[str, tuple[FieldDef, Any]]:
        """Map JSON keys to fields; an unknown field fails the whole request, as in the API."""
        parsed: dict[str, tuple[FieldDef, Any]] = {}
        for key, value in body.items():
            if key == "attributes":
                continue
            field = obj.field(key)
            if field is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            parsed[field.name] = (field, value)
        return parsed

    # -- operations ---------------------------------------------------------------------

    def create(self, obj: ObjectDef, body: dict[str, Any], *, audit: bool = False) -> str:
        """Insert; `audit=True` lets the loader set CreatedDate/CreatedById like a data load
        with the "Set Audit Fields upon Record Creation" permission."""
        values = self._values(obj, body, insert=True, audit=audit)
        row: Row = {"Id": self.ids.new(obj.key_prefix), "IsDeleted": False}
        self._defaults(obj, row)
        row.update(values)
        self._save(obj, row, None, set(values), audit=audit)
        return str(row["Id"])

    def update(self, obj: ObjectDef, record_id: str, body: dict[str, Any]) -> None:
        old = self._live(obj, record_id)
        values = self._values(obj, body, insert=False)
        self._save(obj, {**old, **values}, old, set(values))

    def upsert(
        self, obj: ObjectDef, field_name: str, key: Any, body: dict[str, Any]
    ) -> tuple[str, bool]:
        """Match on an external-id field: none -> insert, one -> update, more -> failure."""
        field = obj.field(field_name)
        if field is None or not (field.external_id or field.name == "Id"):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field_name}",
            )
        matches = self.store.find(obj.name, field.name, key)
        if len(matches) > 1:
            raise RecordFailure(
                "DUPLICATE_EXTERNAL_ID",
                f"{field.name}: more than one record found for external id field: {matches}",
                (field.name,),
            )
        # Only the key itself leaves the body; an unknown field stays, so the write answers
        # INVALID_FIELD as the real API does, instead of being silently dropped.
        clean = {k: v for k, v in body.items() if k.lower() != field.name.lower()}
        if matches:
            self.update(obj, matches[0], clean)
            return matches[0], False
        return self.create(obj, {**clean, field.name: key}), True

    def delete(self, record_id: str) -> None:
        full = to18(record_id)
        obj = self.schema.by_prefix(full) if full else None
        row = self.store.get(full) if full else None
        if obj is None or row is None:
            raise RecordFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if row.get("IsDeleted"):
            raise RecordFailure("ENTITY_IS_DELETED", "entity is deleted")
        stamp = self._stamp()
        self.store.put(obj.name, {**row, "IsDeleted": True, **stamp})
        for child, lookup in CASCADES.get(obj.name, ()):
            for child_row in list(self.store.table(child).values()):
                if child_row.get(lookup) == record_id and not child_row.get("IsDeleted"):
                    self.delete(child_row["Id"])
        if obj.name == "OpportunityLineItem" and self.derive.amount_rollup:
            rollup_amount(self.store, row["OpportunityId"], stamp)

    # -- pipeline -----------------------------------------------------------------------

    def _live(self, obj: ObjectDef, record_id: str) -> Row:
        full = to18(record_id)
        row = self.store.table(obj.name).get(full) if full else None
        if row is None:
            raise RecordFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if row.get("IsDeleted"):
            raise RecordFailure("ENTITY_IS_DELETED", "entity is deleted")
        return row

    def _values(
        self, obj: ObjectDef, body: dict[str, Any], *, insert: bool, audit: bool = False
    ) -> dict[str, Any]:
        parsed = self.parse_body(obj, body)
        allowed_audit = {"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"}
        blocked = [
            f.name
            for f, _ in parsed.values()
            if not (f.createable if insert else f.updateable)
            and not (audit and f.name in allowed_audit)
            and not (not insert and f.name == "Id")
        ]
        if blocked:
            raise RecordFailure(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(blocked)}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                tuple(blocked),
            )
        return {name: coerce(f, v) for name, (f, v) in parsed.items() if name != "Id"}

    def _defaults(self, obj: ObjectDef, row: Row) -> None:
        for field in obj.fields.values():
            if field.type == "boolean" and field.createable:
                row[field.name] = field.name in {"IsActive"}
            elif field.type == "picklist" and field.default_value is not None:
                row[field.name] = field.default_value
        if obj.field("OwnerId") is not None:
            row["OwnerId"] = self.current_user()

    def _save(
        self, obj: ObjectDef, row: Row, old: Row | None, written: set[str], *, audit: bool = False
    ) -> None:
        self._check_required(obj, row)
        for name in written:
            field = obj.fields.get(name)
            if field is not None:
                self._check_value(obj, field, row.get(name), row["Id"])
        rollup = obj.name == "Opportunity" and old is not None and self.derive.amount_rollup
        if rollup and "Amount" in written and self.store.line_items(row["Id"]):
            row["Amount"] = old.get("Amount") if old else None  # vendor quirk: ignored
        self.derive.apply(obj.name, row, old, written)
        stamp = self._stamp()
        if old is None and not (audit and row.get("CreatedDate")):
            row["CreatedDate"], row["CreatedById"] = (
                stamp["LastModifiedDate"],
                stamp["LastModifiedById"],
            )
        elif old is None and not row.get("CreatedById"):
            row["CreatedById"] = stamp["LastModifiedById"]
        row.update(stamp)
        self.store.put(obj.name, row)
        if obj.name == "OpportunityLineItem" and self.derive.amount_rollup:
            rollup_amount(self.store, row["OpportunityId"], stamp)

    def _stamp(self) -> dict[str, Any]:
        # SystemModstamp is to the second in a real org (its milliseconds read .000): ties
        # between records changed in one second are the rule that keyset reads must survive
        now = format_datetime(self.clock.now().replace(microsecond=0))
        user = self.current_user()
        return {"LastModifiedDate": now, "LastModifiedById": user, "SystemModstamp": now}

    def _check_required(self, obj: ObjectDef, row: Row) -> None:
        missing = [
            f.name for f in obj.fields.values() if f.required and row.get(f.name) in (None, "")
        ]
        if missing:
            raise RecordFailure(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                tuple(missing),
            )

    def _check_value(self, obj: ObjectDef, field: FieldDef, value: Any, record_id: str) -> None:
        if value is None:
            return
        if field.type == "picklist" and field.restricted and value not in field.picklist_values:
            raise RecordFailure(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.label}: bad value for restricted picklist field: {value}",
                (field.name,),
            )
        if isinstance(value, str) and field.length and len(value) > field.length:
            raise RecordFailure(
                "STRING_TOO_LONG",
                f"{field.label}: data value too large: {value[:40]} (max length={field.length})",
                (field.name,),
            )
        if field.type == "reference":
            self._check_reference(field, value)
        if field.unique:
            others = [i for i in self.store.find(obj.name, field.name, value) if i != record_id]
            if others:
                raise RecordFailure(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field.name} duplicates value on record with id: "
                    f"{others[0]}",
                    (field.name,),
                )

    def _check_reference(self, field: FieldDef, value: str) -> None:
        target = self.schema.by_prefix(value)
        if target is None or target.name not in field.reference_to:
            raise RecordFailure(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{field.label}: id value of incorrect type: {value}",
                (field.name,),
            )
        parent = self.store.get(value)
        if parent is None:
            raise RecordFailure(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (field.name,)
            )
        if parent.get("IsDeleted"):
            raise RecordFailure("ENTITY_IS_DELETED", "entity is deleted", (field.name,))
