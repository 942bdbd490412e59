"""Query text: names checked, values quoted by format_soql, milliseconds kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.connectors.salesforce.soql import (
    InvalidNameError,
    check_field,
    check_object,
    check_where,
    pull_query,
    soql_datetime,
)
from sync.core.ports import Position

UNTIL = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_a_full_pull_has_no_keyset_condition() -> None:
    assert pull_query("Account", ["Name"], where=None, after=None, until=UNTIL) == (
        "SELECT Id, SystemModstamp, IsDeleted, Name FROM Account "
        "WHERE SystemModstamp <= 2026-11-21T10:00:00.000Z "
        "ORDER BY SystemModstamp, Id LIMIT 2001"
    )


def test_a_resumed_page_keeps_milliseconds_and_quotes_the_id() -> None:
    after = Position(UNTIL - timedelta(milliseconds=1500), "001'x")
    soql = pull_query(
        "Opportunity", ["Account.Name", "id"], where="IsWon = true", after=after, until=UNTIL
    )
    assert soql == (
        "SELECT Id, SystemModstamp, IsDeleted, Account.Name FROM Opportunity "
        "WHERE SystemModstamp <= 2026-11-21T10:00:00.000Z AND (IsWon = true) AND "
        "(SystemModstamp > 2026-11-21T09:59:58.500Z OR "
        "(SystemModstamp = 2026-11-21T09:59:58.500Z AND Id > '001\\'x')) "
        "ORDER BY SystemModstamp, Id LIMIT 2001"
    )


def test_datetimes_are_rendered_in_utc_with_milliseconds_truncated() -> None:
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2026, 11, 21, 12, 0, 0, 999_999, tzinfo=plus_two)
    assert soql_datetime(moment) == "2026-11-21T10:00:00.999Z"
    with pytest.raises(ValueError, match="naive"):
        soql_datetime(datetime(2026, 11, 21))


@pytest.mark.parametrize(
    "name", ["Account", "Renewal_Sync_Key__c", "ns__Thing__c", "Account.Owner.Email", "Foo__r.Id"]
)
def test_api_names_pass(name: str) -> None:
    assert check_field(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "1Account", "Name, Id", "Name FROM User", "A.B.C.D.E.F.G", "Bad_", "a___b", "x'y"],
)
def test_anything_else_is_refused(name: str) -> None:
    with pytest.raises(InvalidNameError):
        check_field(name)


def test_object_names_have_no_dots_or_slashes() -> None:
    for bad in ("Account.Name", "Account/../User", "Account "):
        with pytest.raises(InvalidNameError):
            check_object(bad)


@pytest.mark.parametrize(
    "where", ["Name = 'a (b'", "(A = 1 OR B = 2) AND C = 'it\\'s )'", "IsWon = true"]
)
def test_filters_with_balanced_parentheses_pass(where: str) -> None:
    assert check_where(where) == where


@pytest.mark.parametrize("where", ["A = 1) OR (B = 2", "A = 'x", "(A = 1", ") OR Id != null ("])
def test_filters_that_could_escape_their_group_are_refused(where: str) -> None:
    with pytest.raises(InvalidNameError):
        check_where(where)
