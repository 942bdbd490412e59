"""Loading a dataset, schema drift helpers, ids and exports.

Id checksum reference: the REST guide's query example returns Account id
"001D000000IRFmaIAH" (Execute a SOQL Query, .../api_rest/dome_query.htm); its first 15
characters must yield the suffix "IAH".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.records import (
    AccountBundle,
    Dataset,
    GenAccount,
    GenCase,
    GenDiscount,
    GenLine,
    GenNps,
    GenOrder,
    GenProduct,
    GenUser,
)
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.ids import IdFactory, to18
from tests.sandbox.salesforce.conftest import Client, content

TODAY = date(2026, 11, 21)


def small_dataset() -> tuple[Dataset, list[AccountBundle]]:
    users = (GenUser("U1", "Ada Lovelace", "ada@example.com"),)
    products = (
        GenProduct("ANL-GROWTH", "Analytics Growth", "Analytics", "plan", Decimal(12000)),
        GenProduct("ANL-SEAT", "Analytics Seat", "Analytics", "subscription", Decimal(300)),
        GenProduct("ANL-USAGE", "Analytics API", "Analytics", "usage", Decimal("2.5")),
    )
    plan = GenLine(
        "L1",
        "ANL-GROWTH",
        "plan",
        1,
        Decimal(12000),
        discounts=(
            GenDiscount("recurring", percent=Decimal(10)),
            GenDiscount("one_time", amount=Decimal(1000)),
        ),
    )
    seats = GenLine(
        "L2",
        "ANL-SEAT",
        "subscription",
        20,
        Decimal(300),
        discounts=(GenDiscount("recurring", percent=Decimal(5)),),
    )
    usage = GenLine("L3", "ANL-USAGE", "usage", 1, Decimal("2.5"), precommit=Decimal(6000))
    new = GenOrder(
        "O1",
        "Acme new",
        "A1",
        "new",
        "Analytics",
        None,
        date(2026, 1, 1),
        date(2026, 12, 31),
        "manual",
        Decimal(12000),
        "closed_won",
        date(2025, 12, 20),
        (plan, seats, usage),
    )
    renewal = GenOrder(
        "O2",
        "Acme renewal",
        "A1",
        "renewal",
        "Analytics",
        "O1",
        date(2027, 1, 1),
        date(2027, 12, 31),
        "automatic",
        Decimal(0),
        "open",
        date(2026, 12, 31),
        (plan,),
    )
    bundle = AccountBundle(
        GenAccount("A1", "Acme", "acme.example", "U1", "high_touch", 50, 41),
        (new, renewal),
        (
            GenCase(
                "C1",
                "A1",
                "Login broken",
                "High",
                True,
                datetime(2026, 3, 1, tzinfo=UTC),
                datetime(2026, 3, 2, tzinfo=UTC),
            ),
        ),
        (GenNps("N1", "A1", 9, datetime(2026, 6, 1, tzinfo=UTC)),),
    )
    return Dataset(2, 1, TODAY, users, products), [bundle]


def test_load_maps_orders_lines_cases_and_nps(sf: Client, sandbox: SalesforceSandbox) -> None:
    dataset, bundles = small_dataset()
    sandbox.load(dataset, bundles)
    assert sandbox.ledger.total == 0
    assert sandbox.api_usage == 0
    opps = {
        o["Name"]: o
        for o in sf.query_all(
            "SELECT Id, Name, Type, StageName, IsWon, Amount, Amended_Opportunity__c, "
            "Renewed_Opportunity__c, Renewal_Terms__c, Owner.Email, Account.Segment__c "
            "FROM Opportunity"
        )["records"]
    }
    new, renewal = opps["Acme new"], opps["Acme renewal"]
    assert (new["Type"], new["StageName"], new["IsWon"], new["Amount"]) == (
        "New Customer",
        "Closed Won",
        True,
        16502.5,
    )  # sum of TotalPrice
    assert (renewal["Type"], renewal["StageName"], renewal["Renewal_Terms__c"]) == (
        "Renewal",
        "Qualification",
        "Automatic",
    )
    assert renewal["Amended_Opportunity__c"] == renewal["Renewed_Opportunity__c"] == new["Id"]
    assert new["Owner"]["Email"] == "ada@example.com"
    assert new["Account"]["Segment__c"] == "high_touch"
    lines = sf.query(
        "SELECT ProductCode, Quantity, UnitPrice, Discount, TotalPrice, "
        "One_Time_Discount_Amount__c, Precommit_Amount__c, Product2.Brick_Kind__c "
        f"FROM OpportunityLineItem WHERE OpportunityId = '{new['Id']}' ORDER BY ProductCode"
    )["records"]
    assert [(li["ProductCode"], li["TotalPrice"]) for li in lines] == [
        ("ANL-GROWTH", 10800.0),
        ("ANL-SEAT", 5700.0),
        ("ANL-USAGE", 2.5),
    ]
    assert lines[0]["One_Time_Discount_Amount__c"] == 1000.0
    assert lines[2]["Precommit_Amount__c"] == 6000.0
    assert lines[2]["Product2"]["Brick_Kind__c"] == "usage"
    case = sf.query("SELECT IsClosed, CreatedDate, Priority FROM Case")["records"][0]
    assert case == {
        **case,
        "IsClosed": True,
        "CreatedDate": "2026-03-01T00:00:00.000+0000",
        "Priority": "High",
    }
    assert (
        sf.query("SELECT Score__c, Account__r.Name FROM NPS_Response__c")["records"][0][
            "Account__r"
        ]["Name"]
        == "Acme"
    )


def test_load_streams_a_generated_dataset(sandbox: SalesforceSandbox) -> None:
    datagen = pytest.importorskip("crm_sandbox.datagen")
    dataset = datagen.generate(200, seed=3, today=TODAY)
    sandbox.load(dataset)
    assert len(sandbox.records("Opportunity")) == 200
    assert all(line["OpportunityId"] for line in sandbox.records("OpportunityLineItem"))


def test_drop_field_makes_queries_and_writes_fail(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.schema.drop_field("Opportunity", "Contract_End_Date__c")
    assert "Contract_End_Date__c" not in {f["name"] for f in sf.Opportunity.describe()["fields"]}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Contract_End_Date__c FROM Opportunity")
    assert (
        "No such column 'Contract_End_Date__c' on entity 'Opportunity'"
        in content(caught)[0]["message"]
    )
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Opportunity.create(
            {
                "Name": "x",
                "StageName": "Prospecting",
                "CloseDate": "2026-01-01",
                "Contract_End_Date__c": "2026-12-31",
            }
        )
    assert content(caught)[0]["errorCode"] == "INVALID_FIELD"


def test_change_type_and_add_field(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.schema.change_type("Account", "Health_Score__c", "string", length=10)
    assert {f["name"]: f["type"] for f in sf.Account.describe()["fields"]}[
        "Health_Score__c"
    ] == "string"
    sandbox.schema.add_field(
        "Account", "Tier__c", {"type": "picklist", "values": ["gold", "silver"], "restricted": True}
    )
    sandbox.schema.update_field("Account", "Website", updateable=False, createable=False)
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {
                    "attributes": {"type": "Account"},
                    "Name": "a",
                    "Tier__c": "gold",
                    "Health_Score__c": "high",
                },
                {"attributes": {"type": "Account"}, "Name": "b", "Website": "https://b.example"},
            ]
        },
    )
    assert result[0]["success"] is True
    assert result[1]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert (
        sf.query("SELECT Tier__c FROM Account WHERE Health_Score__c = 'HIGH'")["records"][0][
            "Tier__c"
        ]
        == "gold"
    )


def test_ids_are_18_characters_with_the_real_checksum() -> None:
    assert to18("001D000000IRFma") == "001D000000IRFmaIAH"
    assert to18("001D000000IRFmaIAH") == "001D000000IRFmaIAH"
    assert to18("001D000000IRFmaAAA") is None
    made = IdFactory().new("006")
    assert made.startswith("006")
    assert len(made) == 18
    assert to18(made[:15]) == made


def test_env_exports(sandbox: SalesforceSandbox) -> None:
    exports = sandbox.env_exports("https://127.0.0.1:8443", "/tmp/ca.pem")
    assert set(exports) >= {
        "SF_INSTANCE_URL",
        "SF_ACCESS_TOKEN",
        "SF_CLIENT_ID",
        "SF_CLIENT_SECRET",
        "SF_API_VERSION",
        "REQUESTS_CA_BUNDLE",
    }
    assert exports["SF_API_VERSION"] == "60.0"
    assert exports["SF_ACCESS_TOKEN"].startswith(sandbox.org_id[:15] + "!")
