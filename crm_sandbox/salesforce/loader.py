"""Write a generated dataset into the org, fast, without going through the API.

Rows are built directly in wire form and stored with their indexes; nothing is counted as an
API call or recorded in the ledger. The mapping from the CRM-neutral records:

- GenUser -> User; GenProduct -> Product2 (Family = the product, Brick_Kind__c = the kind)
  plus a standard PricebookEntry at the list price;
- GenAccount -> Account (Segment__c, seat counts), owned by its user;
- GenOrder -> Opportunity: Type from the order type, StageName Closed Won / an open stage /
  Closed Lost, contract dates, Renewal_Terms__c, Amended_Opportunity__c = the amended
  order, Renewed_Opportunity__c on renewals, Billed_To_Date__c, Product_Family__c;
- GenLine -> OpportunityLineItem with the yearly UnitPrice, a recurring percent discount as
  Discount, a recurring amount as Recurring_Discount_Amount__c, one-time discounts in the
  One_Time_Discount_* fields, Precommit_Amount__c; TotalPrice and the roll-up Amount are
  computed as the org would;
- GenCase -> Case (CreatedDate = when it was opened); GenNps -> NPS_Response__c;
  GenFeedback -> Customer_Feedback__c.

An org whose fields differ (a schema variant such as schema_custom_org.yaml) says in its
`loader:` section where these values go instead; `Layout.from_schema_file` reads it and the
loader applies it to every row. Without a layout the rows are exactly as above.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from crm_sandbox.records import AccountBundle, Dataset, GenLine, GenOrder
from crm_sandbox.salesforce.derived import STAGES
from crm_sandbox.salesforce.store import Row
from crm_sandbox.salesforce.values import format_datetime

if TYPE_CHECKING:
    from crm_sandbox.salesforce.sandbox import SalesforceSandbox

ORDER_TYPES = {
    "new": "New Customer",
    "upgrade": "Existing Customer - Upgrade",
    "renewal": "Renewal",
    "recast": "Existing Customer - Replacement",
    "termination": "Termination",
}
STAGE_BY_STATUS = {
    "closed_won": "Closed Won",
    "open": "Qualification",
    "closed_lost": "Closed Lost",
}


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a variant org keeps what the standard org keeps in fixed fields.

    `rename`: "Object.Field" of the standard org -> the variant's field name (the renamed value
    replaces whatever the standard row put in that field). `values`: "Object.Field" (variant
    name) -> value translation.
    """

    rename: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_schema_file(cls, path: Path) -> Layout:
        section = (yaml.safe_load(path.read_text("utf-8")) or {}).get("loader") or {}
        return cls(dict(section.get("rename") or {}), dict(section.get("values") or {}))

    def apply(self, sobject: str, row: dict[str, Any]) -> dict[str, Any]:
        if not self.rename and not self.values:
            return row
        moved = {
            self.rename[f"{sobject}.{k}"]: v
            for k, v in row.items()
            if f"{sobject}.{k}" in self.rename
        }
        kept = {
            k: v for k, v in row.items() if f"{sobject}.{k}" not in self.rename and k not in moved
        }
        out = {**kept, **moved}
        for name, value in out.items():
            table = self.values.get(f"{sobject}.{name}")
            if table is not None and value in table:
                out[name] = table[value]
        return out


class Loader:
    def __init__(self, sandbox: SalesforceSandbox, layout: Layout | None = None) -> None:
        self.sb = sandbox
        self.layout = layout or Layout()
        self.store = sandbox.store
        self.new_id = sandbox.ids.new
        now = format_datetime(sandbox.clock.now().replace(microsecond=0))
        user = sandbox.integration_user_id
        self.stamp = {
            "IsDeleted": False,
            "CreatedDate": now,
            "CreatedById": user,
            "LastModifiedDate": now,
            "LastModifiedById": user,
            "SystemModstamp": now,
        }
        self.users: dict[str, str] = {}
        self.entries: dict[str, Row] = {}
        self.names: dict[str, str] = {}

    def put(
        self, sobject: str, prefix: str, values: dict[str, Any], record_id: str | None = None
    ) -> Row:
        row: Row = {"Id": record_id or self.new_id(prefix), **self.stamp, **values}
        self.store.put(sobject, self.layout.apply(sobject, row))
        return row

    def load(self, dataset: Dataset, bundles: Iterable[AccountBundle]) -> None:
        with self.store.lock:
            for user in dataset.users:
                first, _, last = user.name.rpartition(" ")
                row = self.put(
                    "User",
                    "005",
                    {
                        "FirstName": first or None,
                        "LastName": last,
                        "Name": user.name,
                        "Username": user.email,
                        "Email": user.email,
                        "IsActive": True,
                    },
                )
                self.users[user.key] = row["Id"]
            for product in dataset.products:
                self._product(
                    product.sku, product.name, product.product, product.kind, product.list_price
                )
            for bundle in bundles:
                self._account(bundle)

    def _product(self, sku: str, name: str, family: str, kind: str, price: Decimal) -> None:
        self.names[sku] = name
        product = self.put(
            "Product2",
            "01t",
            {
                "Name": name,
                "ProductCode": sku,
                "Family": family,
                "IsActive": True,
                "Brick_Kind__c": kind,
            },
        )
        self.entries[sku] = self.put(
            "PricebookEntry",
            "01u",
            {
                "Pricebook2Id": self.sb.standard_pricebook_id,
                "Product2Id": product["Id"],
                "UnitPrice": float(price),
                "IsActive": True,
                "UseStandardPrice": False,
            },
        )

    def _account(self, bundle: AccountBundle) -> None:
        gen = bundle.account
        owner = self.users.get(gen.owner_key, self.sb.integration_user_id)
        account = self.put(
            "Account",
            "001",
            {
                "Name": gen.name,
                "OwnerId": owner,
                "Website": f"https://{gen.domain}",
                "Type": "Customer - Direct",
                "Segment__c": gen.segment,
                "Licensed_Seats__c": float(gen.licensed_seats),
                "Active_Seats__c": float(gen.active_seats),
            },
        )
        order_ids = {order.key: self.new_id("006") for order in bundle.orders}
        for order in bundle.orders:
            self._order(order, order_ids, account["Id"], owner)
        for case in bundle.cases:
            created = format_datetime(case.created_at)
            self.put(
                "Case",
                "500",
                {
                    "AccountId": account["Id"],
                    "OwnerId": owner,
                    "Subject": case.subject,
                    "Status": "Closed" if case.closed else "New",
                    "Priority": case.priority,
                    "IsClosed": case.closed,
                    "CaseNumber": case.key,
                    "ClosedDate": format_datetime(case.closed_at) if case.closed_at else None,
                    "CreatedDate": created,
                },
            )
        for nps in bundle.nps:
            self.put(
                "NPS_Response__c",
                "a00",
                {
                    "Name": nps.key,
                    "Account__c": account["Id"],
                    "Score__c": float(nps.score),
                    "Responded_At__c": format_datetime(nps.submitted_at),
                    "CreatedDate": format_datetime(nps.submitted_at),
                },
            )
        for said in bundle.feedback:
            self.put(
                "Customer_Feedback__c",
                "a01",
                {
                    "Name": said.key,
                    "Account__c": account["Id"],
                    "Sentiment__c": said.sentiment.capitalize(),
                    "Responded_At__c": format_datetime(said.submitted_at),
                    "CreatedDate": format_datetime(said.submitted_at),
                },
            )

    def _order(
        self, order: GenOrder, order_ids: dict[str, str], account_id: str, owner: str
    ) -> None:
        stage = STAGE_BY_STATUS.get(order.status, "Qualification")
        closed, won, probability, forecast = STAGES[stage]
        amended = order_ids.get(order.amends_key) if order.amends_key else None
        opportunity_id = order_ids[order.key]
        lines = [self._line(line, order, opportunity_id) for line in order.lines]
        self.put(
            "Opportunity",
            "006",
            {
                "Name": order.name,
                "AccountId": account_id,
                "OwnerId": owner,
                "StageName": stage,
                "CloseDate": order.close_date.isoformat(),
                "Amount": round(sum(line["TotalPrice"] for line in lines), 2),
                "Type": ORDER_TYPES.get(order.order_type, "New Customer"),
                "IsClosed": closed,
                "IsWon": won,
                "Probability": probability,
                "ForecastCategoryName": forecast,
                "Pricebook2Id": self.sb.standard_pricebook_id,
                "Contract_Start_Date__c": order.start_date.isoformat(),
                "Contract_End_Date__c": order.end_date.isoformat() if order.end_date else None,
                "Renewal_Terms__c": order.renewal_terms.capitalize(),
                "Amended_Opportunity__c": amended,
                "Renewed_Opportunity__c": amended if order.order_type == "renewal" else None,
                "Product_Family__c": order.product,
                "Billed_To_Date__c": float(order.billed_to_date),
                "Renewal_Lapsed__c": False,
            },
            opportunity_id,
        )
        for line in lines:
            self.store.put("OpportunityLineItem", self.layout.apply("OpportunityLineItem", line))

    def _line(self, line: GenLine, order: GenOrder, opportunity_id: str) -> Row:
        entry = self.entries[line.sku]
        values: dict[str, Any] = {
            "Discount": None,
            "Recurring_Discount_Amount__c": None,
            "One_Time_Discount_Percent__c": None,
            "One_Time_Discount_Amount__c": None,
        }
        for discount in line.discounts:
            prefix = "recurring" if discount.kind == "recurring" else "one_time"
            if discount.percent is not None:
                values["Discount" if prefix == "recurring" else "One_Time_Discount_Percent__c"] = (
                    float(discount.percent)
                )
            if discount.amount is not None:
                key = (
                    "Recurring_Discount_Amount__c"
                    if prefix == "recurring"
                    else "One_Time_Discount_Amount__c"
                )
                values[key] = float(discount.amount)
        unit = float(line.unit_price)
        total = round(line.quantity * unit * (1 - (values["Discount"] or 0.0) / 100), 2)
        return {
            "Id": self.new_id("00k"),
            **self.stamp,
            **values,
            "Name": f"{order.name} {self.names[line.sku]}",
            "OpportunityId": opportunity_id,
            "Product2Id": entry["Product2Id"],
            "PricebookEntryId": entry["Id"],
            "Quantity": float(line.quantity),
            "UnitPrice": unit,
            "TotalPrice": total,
            "ServiceDate": order.start_date.isoformat(),
            "Description": line.kind,
            "ProductCode": line.sku,
            "Precommit_Amount__c": _money(line.precommit),
        }
