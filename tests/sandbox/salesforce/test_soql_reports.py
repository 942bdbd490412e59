"""SOQL that admins write in a mapping's `where` and in reports: date literals, semi-joins,
aggregates; and names in any case. Through the unmodified simple-salesforce client.

Date literals: https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.md
Semi-joins: https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-comparisonoperators.md
("Semi-Joins with IN and Anti-Joins with NOT IN")
Aggregates: https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-agg-functions.md
and sforce-api-calls-soql-select-groupby.md.
Case: "SOQL keywords, object and field names are not case-sensitive"
(https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select.md).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from simple_salesforce import SalesforceMalformedRequest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.soql_dates import day_range
from tests.sandbox.salesforce.conftest import START, Client, add, content

TODAY = START.date()  # 2026-11-21, a Saturday


def _opportunity(
    sandbox: SalesforceSandbox, account: str, name: str, close: date, amount: int
) -> str:
    return add(
        sandbox,
        "Opportunity",
        Name=name,
        AccountId=account,
        StageName="Closed Won" if amount > 0 else "Prospecting",
        CloseDate=close.isoformat(),
        Amount=amount,
    )


@pytest.fixture
def accounts(sandbox: SalesforceSandbox) -> dict[str, str]:
    ids = {n: add(sandbox, "Account", Name=n, Segment__c=s) for n, s in
           (("Acme", "standard"), ("Globex", "high_touch"), ("Initech", "standard"))}  # fmt: skip
    _opportunity(sandbox, ids["Acme"], "Acme new", TODAY - timedelta(days=10), 10_000)
    _opportunity(sandbox, ids["Acme"], "Acme old", TODAY - timedelta(days=400), 5_000)
    _opportunity(sandbox, ids["Globex"], "Globex new", TODAY - timedelta(days=30), 7_500)
    _opportunity(sandbox, ids["Globex"], "Globex next", TODAY + timedelta(days=20), 0)
    return ids


def _names(sf: Client, soql: str) -> list[str]:
    return sorted(r["Name"] for r in sf.query_all(soql)["records"])


def test_rolling_date_literals_count_from_the_sandbox_clock(
    sf: Client, accounts: dict[str, str]
) -> None:
    base = "SELECT Name FROM Opportunity WHERE CloseDate"
    assert _names(sf, f"{base} = LAST_N_DAYS:30") == ["Acme new", "Globex new"]  # 30 days back
    assert _names(sf, f"{base} = LAST_N_DAYS:29") == ["Acme new"]
    assert _names(sf, f"{base} = LAST_N_DAYS:365") == ["Acme new", "Globex new"]
    assert _names(sf, f"{base} < LAST_N_DAYS:365") == ["Acme old"]
    assert _names(sf, f"{base} = NEXT_N_DAYS:30") == ["Globex next"]
    assert _names(sf, f"{base} > TODAY") == ["Globex next"]
    assert _names(sf, f"{base} = N_DAYS_AGO:10") == ["Acme new"]


def test_created_date_against_a_literal_is_whole_utc_days(
    sf: Client, accounts: dict[str, str]
) -> None:
    assert len(sf.query("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:1")["records"]) == 3
    assert sf.query("SELECT Id FROM Account WHERE CreatedDate < THIS_WEEK")["totalSize"] == 0


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("THIS_WEEK", (date(2026, 11, 15), date(2026, 11, 22))),  # weeks start on Sunday
        ("LAST_MONTH", (date(2026, 10, 1), date(2026, 11, 1))),
        ("THIS_QUARTER", (date(2026, 10, 1), date(2027, 1, 1))),
        ("LAST_N_MONTHS:2", (date(2026, 9, 1), date(2026, 11, 1))),  # the current month left out
        ("NEXT_N_QUARTERS:2", (date(2027, 1, 1), date(2027, 7, 1))),
        ("THIS_FISCAL_YEAR", (date(2026, 2, 1), date(2027, 2, 1))),  # fiscal year from February
        ("LAST_FISCAL_QUARTER", (date(2026, 8, 1), date(2026, 11, 1))),
        ("N_YEARS_AGO:1", (date(2025, 1, 1), date(2026, 1, 1))),
    ],
)
def test_period_literals_and_the_fiscal_year(literal: str, expected: tuple[date, date]) -> None:
    name, _, number = literal.partition(":")
    assert day_range(name, int(number) if number else None, TODAY, fiscal_start_month=2) == expected


def test_the_org_s_fiscal_year_start_month_moves_fiscal_literals() -> None:
    sandbox = SalesforceSandbox(clock=SandboxClock(START), fiscal_year_start_month=2)
    account = add(sandbox, "Account", Name="Acme", Segment__c="standard")
    _opportunity(sandbox, account, "January", date(2026, 1, 15), 1)
    _opportunity(sandbox, account, "February", date(2026, 2, 15), 1)
    answer = sandbox.org.queries.run(
        "SELECT Name FROM Opportunity WHERE CloseDate = THIS_FISCAL_YEAR",
        include_deleted=False, batch=2000, today=TODAY,
    )  # fmt: skip
    assert [r["Name"] for r in answer["records"]] == ["February"]


def test_semi_and_anti_joins(sf: Client, accounts: dict[str, str]) -> None:
    won = "SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won'"
    assert _names(sf, f"SELECT Name FROM Account WHERE Id IN ({won})") == ["Acme", "Globex"]
    assert _names(sf, f"SELECT Name FROM Account WHERE Id NOT IN ({won})") == ["Initech"]
    recent = "SELECT AccountId FROM Opportunity WHERE CloseDate = LAST_N_DAYS:20"
    assert _names(
        sf, f"SELECT Name FROM Account WHERE Segment__c = 'standard' AND Id IN ({recent})"
    ) == ["Acme"]


def test_a_semi_join_must_select_an_id(sf: Client, accounts: dict[str, str]) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Name FROM Account WHERE Id IN (SELECT Name FROM Opportunity)")
    assert content(caught)[0]["errorCode"] == "INVALID_FIELD"


def test_aggregates_group_by_and_count(sf: Client, accounts: dict[str, str]) -> None:
    assert sf.query("SELECT COUNT() FROM Opportunity")["totalSize"] == 4
    answer = sf.query(
        "SELECT AccountId, COUNT(Id) deals, SUM(Amount), MAX(CloseDate) FROM Opportunity "
        "GROUP BY AccountId ORDER BY AccountId"
    )
    by_account = {r["AccountId"]: r for r in answer["records"]}
    assert answer["totalSize"] == 2
    acme = by_account[accounts["Acme"]]
    assert acme["attributes"] == {"type": "AggregateResult"}
    assert (acme["deals"], acme["expr0"]) == (2, 15_000)
    assert acme["expr1"] == (TODAY - timedelta(days=10)).isoformat()
    whole = sf.query("SELECT COUNT(Id), AVG(Amount) FROM Opportunity WHERE Amount > 0")
    assert whole["records"][0]["expr0"] == 3
    assert whole["records"][0]["expr1"] == pytest.approx(7_500)
    grouped = sf.query("SELECT Account.Segment__c, COUNT_DISTINCT(AccountId) n FROM Opportunity "
                       "GROUP BY Account.Segment__c ORDER BY Account.Segment__c")  # fmt: skip
    assert [(r["Segment__c"], r["n"]) for r in grouped["records"]] == [
        ("high_touch", 1), ("standard", 1)
    ]  # fmt: skip


def test_sum_of_text_is_refused(sf: Client, accounts: dict[str, str]) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT SUM(Name) FROM Opportunity")
    assert "does not support aggregate operator SUM" in content(caught)[0]["message"]


def test_names_in_any_case_answer_with_the_described_names(
    sf: Client, accounts: dict[str, str]
) -> None:
    [record] = sf.query("select id, name, account.name from opportunity where name = 'acme new'")[
        "records"
    ]
    assert set(record) == {"attributes", "Id", "Name", "Account"}
    assert record["Account"]["Name"] == "Acme"
    assert record["attributes"]["type"] == "Opportunity"
    result = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {
                    "attributes": {"type": "account"},
                    "id": accounts["Acme"],
                    "website": "https://acme.example",
                }
            ]
        },
    )
    assert result == [{"id": accounts["Acme"], "success": True, "errors": []}]
    assert sf.Account.get(accounts["Acme"])["Website"] == "https://acme.example"
