"""Fields the org computes itself, so a client can never set them and must read them back.

- Opportunity: IsClosed, IsWon, and (unless the write set them) Probability and
  ForecastCategoryName follow StageName, from the standard sales process's stage table.
- OpportunityLineItem: TotalPrice = Quantity x UnitPrice x (1 - Discount/100); ProductCode
  and Name come from the Product2; UnitPrice defaults to the price book entry's.
- Opportunity.Amount: vendor quirk - once an opportunity has line items, Amount is the sum
  of their TotalPrice and writes to it are ignored (`amount_rollup=True`, the default).
- Task.IsClosed follows Status (Completed); Case.IsClosed/ClosedDate follow Status (Closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_sandbox.salesforce.errors import RecordFailure
from crm_sandbox.salesforce.store import Row, Store

# stage -> (IsClosed, IsWon, Probability, ForecastCategoryName)
STAGES: dict[str, tuple[bool, bool, float, str]] = {
    "Prospecting": (False, False, 10.0, "Pipeline"),
    "Qualification": (False, False, 10.0, "Pipeline"),
    "Needs Analysis": (False, False, 20.0, "Pipeline"),
    "Proposal/Price Quote": (False, False, 75.0, "Pipeline"),
    "Negotiation/Review": (False, False, 90.0, "Commit"),
    "Closed Won": (True, True, 100.0, "Closed"),
    "Closed Lost": (True, False, 0.0, "Omitted"),
}


@dataclass(slots=True)
class Derivation:
    """Applies the computed fields of one row before it is stored."""

    store: Store
    amount_rollup: bool = True

    def apply(self, sobject: str, row: Row, old: Row | None, written: set[str]) -> None:
        if sobject == "Opportunity":
            self._opportunity(row, old, written)
        elif sobject == "OpportunityLineItem":
            self._line_item(row, old)
        elif sobject == "Task":
            row["IsClosed"] = row.get("Status") == "Completed"
        elif sobject == "Case":
            self._case(row)
        elif sobject == "User":
            row["Name"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)

    def _opportunity(self, row: Row, old: Row | None, written: set[str]) -> None:
        stage = row.get("StageName")
        closed, won, probability, forecast = STAGES.get(
            stage or "", (False, False, 0.0, "Pipeline")
        )
        row["IsClosed"], row["IsWon"] = closed, won
        stage_moved = old is None or old.get("StageName") != stage
        if stage_moved and "Probability" not in written:
            row["Probability"] = probability
        if stage_moved and "ForecastCategoryName" not in written:
            row["ForecastCategoryName"] = forecast
        if self.amount_rollup and old is not None:
            items = self.store.line_items(row["Id"])
            if items:
                row["Amount"] = round(sum(i.get("TotalPrice") or 0.0 for i in items), 2)

    def _line_item(self, row: Row, old: Row | None) -> None:
        if old is None:
            self._price_book(row)
        quantity = float(row.get("Quantity") or 0)
        unit = float(row.get("UnitPrice") or 0)
        discount = float(row.get("Discount") or 0)
        row["TotalPrice"] = round(quantity * unit * (1 - discount / 100), 2)

    def _price_book(self, row: Row) -> None:
        """Resolve PricebookEntryId <-> Product2Id and copy the product's code and name."""
        entry = self.store.get(row["PricebookEntryId"]) if row.get("PricebookEntryId") else None
        if entry is None and row.get("Product2Id"):
            entry = self._standard_entry(row["Product2Id"])
        if entry is None:
            raise RecordFailure(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [PricebookEntryId]",
                ("PricebookEntryId",),
            )
        row["PricebookEntryId"] = entry["Id"]
        row["Product2Id"] = entry["Product2Id"]
        if row.get("UnitPrice") is None:
            row["UnitPrice"] = entry.get("UnitPrice")
        product = self.store.get(entry["Product2Id"]) or {}
        row["ProductCode"] = product.get("ProductCode")
        opportunity = self.store.get(row["OpportunityId"]) or {}
        row["Name"] = f"{opportunity.get('Name', '')} {product.get('Name', '')}".strip()

    def _standard_entry(self, product_id: str) -> Row | None:
        for entry_id in self.store.find("PricebookEntry", "Product2Id", product_id):
            entry = self.store.get(entry_id)
            if entry is not None:
                return entry
        return None

    def _case(self, row: Row) -> None:
        closed = row.get("Status") == "Closed"
        if closed and not row.get("IsClosed"):
            row["ClosedDate"] = row.get("LastModifiedDate")
        row["IsClosed"] = closed
        if not closed:
            row["ClosedDate"] = None


def rollup_amount(store: Store, opportunity_id: str, stamp: dict[str, Any]) -> None:
    """Re-sum an opportunity's Amount after a line item write, stamping it as modified."""
    opportunity = store.get(opportunity_id)
    if opportunity is None:
        return
    total = round(sum(i.get("TotalPrice") or 0.0 for i in store.line_items(opportunity_id)), 2)
    if opportunity.get("Amount") != total:
        store.put("Opportunity", {**opportunity, "Amount": total, **stamp})
