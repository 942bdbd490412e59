"""SOQL subset: the parser on its own, then evaluation errors through the real client.

Reference: "SOQL and SOSL Reference", SELECT / WHERE / ORDER BY / Date Formats and Date
Literals, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
and quoted string escapes: .../sforce_api_calls_soql_select_quotedstringescapes.htm
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from simple_salesforce import format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.soql_parser import BoolOp, Compare, Not, parse
from tests.sandbox.salesforce.conftest import START, Client, add, add_accounts, content


def test_parses_fields_parents_and_every_clause() -> None:
    query = parse(
        "select Id, Account.Name, Account.Owner.Email from Opportunity "
        "where (StageName = 'Closed Won' or Amount >= 10.5) and CloseDate < 2026-01-01 "
        "order by CloseDate desc nulls last, Id limit 10 offset 5"
    )
    assert [f.dotted for f in query.fields] == ["Id", "Account.Name", "Account.Owner.Email"]
    assert isinstance(query.where, BoolOp)
    assert query.where.op == "AND"
    assert query.order_by[0].descending
    assert query.order_by[0].nulls_last
    assert not query.order_by[1].descending
    assert not query.order_by[1].nulls_last
    assert (query.limit, query.offset) == (10, 5)


def test_literals_of_every_kind() -> None:
    query = parse(
        "SELECT Id FROM Account WHERE Name IN ('it\\'s', 'a\\\\b') AND Health_Score__c > -1.5 "
        "AND Health_Date__c = 2026-02-03 AND CreatedDate > 2026-01-01T00:00:00.000+0000 "
        "AND IsDeleted = false AND Website != null AND Health_Date__c = TODAY"
    )
    assert isinstance(query.where, BoolOp)
    values = [item.value for item in query.where.items if isinstance(item, Compare)]
    assert [v.value for v in values[0]] == ["it's", "a\\b"]  # type: ignore[union-attr]
    assert values[1].value == Decimal("-1.5")  # type: ignore[union-attr]
    assert values[2].value == date(2026, 2, 3)  # type: ignore[union-attr]
    assert values[3].value == datetime(2026, 1, 1, tzinfo=UTC)  # type: ignore[union-attr]
    assert [values[4].value, values[5].value, values[6].value] == [False, None, ("TODAY", None)]  # type: ignore[union-attr]


def test_format_soql_output_parses() -> None:
    soql = format_soql(
        "SELECT Id FROM Opportunity WHERE SystemModstamp >= {since} AND Id > {last} "
        "AND Name LIKE '{prefix:like}%' AND StageName IN {stages} AND IsWon = {won}",
        since=datetime(2026, 1, 1, 12, 30, tzinfo=UTC),
        last="006000000000000AAA",
        prefix="50%_off",
        stages=["Closed Won", "Closed Lost"],
        won=True,
    )
    assert isinstance(parse(soql).where, BoolOp)


def test_not_and_not_in() -> None:
    query = parse(
        "SELECT Id FROM Account WHERE NOT (Name = 'a' OR Name = 'b') AND Type NOT IN ('x')"
    )
    assert isinstance(query.where, BoolOp)
    assert isinstance(query.where.items[0], Not)
    assert isinstance(query.where.items[1], Compare)
    assert query.where.items[1].op == "NOT IN"


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Account",
        "SELECT Id Account",
        "SELECT Id FROM Account WHERE",
        "SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Type = 'c'",  # mixing needs ( )
        "SELECT Id FROM Account GROUP BY Name",
        "SELECT Id, COUNT(Id) FROM Account",  # a field neither grouped nor aggregated
        "SELECT Name, COUNT(Id) FROM Account GROUP BY ROLLUP(Name)",
        "SELECT Name, COUNT(Id) FROM Account GROUP BY Name HAVING COUNT(Id) > 1",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS",  # needs its :n
        "SELECT Id FROM Account WHERE CreatedDate = THIS_MONTH:2",  # takes none
        "SELECT Id FROM Account WHERE Name = 'unterminated",
        "SELECT Id FROM Account LIMIT 'ten'",
        "SELECT Id FROM Account WHERE Name LIKE 5",
    ],
)
def test_outside_the_subset_is_malformed_query(soql: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse(soql)
    assert caught.value.code == "MALFORMED_QUERY"
    message = caught.value.message  # parser errors point at a column, lexer errors at a char
    assert "ERROR at Row:1:Column:" in message or message.startswith("line 1:")


def test_malformed_query_reaches_the_client_as_400(sf: Client) -> None:
    # The REST query resource answers an invalid statement with MALFORMED_QUERY (Query resource,
    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Account WHERE")
    assert content(caught)[0]["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: '<EOF>'" in content(caught)[0]["message"]


def test_unknown_column_is_invalid_field_with_the_real_message(sf: Client) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id, Foo__c FROM Account")
    error = content(caught)[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert (
        "No such column 'Foo__c' on entity 'Account'. If you are attempting to use a custom field"
        in error["message"]
    )


def test_unknown_relationship_and_object(sf: Client) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Boss.Name FROM Opportunity")
    assert content(caught)[0]["errorCode"] == "INVALID_FIELD"
    assert "Didn't understand relationship 'Boss'" in content(caught)[0]["message"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Contract__c")
    assert content(caught)[0]["errorCode"] == "INVALID_TYPE"


def test_wrong_literal_type_is_invalid_field(sf: Client) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Account WHERE CreatedDate > 2026-01-01")
    assert (
        "must be of type dateTime and should not be enclosed in quotes"
        in content(caught)[0]["message"]
    )


def test_filters_sort_and_case_insensitive_text(sf: Client, sandbox: SalesforceSandbox) -> None:
    acme, globex, _ = (add(sandbox, "Account", Name=n) for n in ("Acme", "Globex", "initech"))
    add(
        sandbox,
        "Opportunity",
        Name="A1",
        AccountId=acme,
        StageName="Closed Won",
        CloseDate="2026-03-01",
        Amount=100,
    )
    add(
        sandbox,
        "Opportunity",
        Name="A2",
        AccountId=acme,
        StageName="Prospecting",
        CloseDate="2026-05-01",
    )
    add(
        sandbox,
        "Opportunity",
        Name="G1",
        AccountId=globex,
        StageName="Closed Lost",
        CloseDate="2026-04-01",
        Amount=50,
    )

    def names(soql: str) -> list[str]:
        return [r["Name"] for r in sf.query(soql)["records"]]

    assert names(
        "SELECT Name FROM Account WHERE Name LIKE 'a%' OR Name = 'INITECH' ORDER BY Name DESC"
    ) == ["initech", "Acme"]
    assert names(
        "SELECT Name FROM Opportunity WHERE Account.Name = 'acme' ORDER BY CloseDate DESC"
    ) == ["A2", "A1"]
    assert names(
        "SELECT Name FROM Opportunity "
        "WHERE Amount != null AND (IsWon = true OR Amount < 60) ORDER BY Name"
    ) == ["A1", "G1"]
    assert names("SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS FIRST, Name") == [
        "A2",
        "A1",
        "G1",
    ]
    assert names(
        "SELECT Name FROM Opportunity WHERE StageName NOT IN ('Closed Won', 'Closed Lost')"
    ) == ["A2"]
    assert names(
        "SELECT Name FROM Opportunity WHERE CloseDate > 2026-03-01 ORDER BY Name LIMIT 1 OFFSET 1"
    ) == ["G1"]
    assert names("SELECT Name FROM Account WHERE CreatedDate = TODAY AND Name LIKE '_lob%'") == [
        "Globex"
    ]


def test_count_returns_total_size_only(sf: Client, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 7)
    result = sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Acme%'")
    assert result["totalSize"] == 7
    assert result["records"] == []
    assert result["done"] is True


def test_null_parent_comes_back_as_null(sf: Client, sandbox: SalesforceSandbox) -> None:
    add(sandbox, "Opportunity", Name="orphan", StageName="Prospecting", CloseDate="2026-01-01")
    record = sf.query("SELECT Name, Account.Name, Account.Owner.Email FROM Opportunity")["records"][
        0
    ]
    assert record["Account"] is None


def test_the_modstamp_index_follows_every_write_and_answers_keyset_reads(
    sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    """A keyset read (`SystemModstamp > t OR (= t AND Id > i)`) is answered from the store's
    (SystemModstamp, Id) index, kept current by every write, with the same rows a scan of the
    whole table gives."""
    accounts = add_accounts(sandbox, 5)
    store = sandbox.store
    assert [r["Id"] for r in store.since("Account", "")] == sorted(accounts)
    clock.advance(timedelta(seconds=2))
    with store.lock:
        sandbox.writer.update(sandbox.schema.object("Account"), accounts[1], {"Name": "Moved"})
    moved = sandbox.record(accounts[1])
    assert moved is not None
    later = [r["Id"] for r in store.since("Account", moved["SystemModstamp"])]
    assert later == [accounts[1]]
    with store.lock:
        store.remove("Account", accounts[1])
    assert accounts[1] not in [r["Id"] for r in store.since("Account", "")]
    first = sorted(set(accounts) - {accounts[1]})[0]
    soql = (
        "SELECT Id FROM Account WHERE (SystemModstamp > 2026-11-21T10:00:00Z OR "
        f"(SystemModstamp = 2026-11-21T10:00:00Z AND Id > '{first}')) "
        "ORDER BY SystemModstamp, Id LIMIT 2"
    )
    answer = sandbox.org.queries.run(soql, include_deleted=False, batch=2000, today=START.date())
    assert [r["Id"] for r in answer["records"]] == sorted(set(accounts) - {accounts[1], first})[:2]
