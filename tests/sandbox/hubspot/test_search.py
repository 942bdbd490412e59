"""Search: filters, sorts, paging with total, and the 10,000-result cap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm_sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import api_error

# Limits and request shape: https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm
# Filter-group limits: https://developers.hubspot.com/changelog/breaking-change-expanded-filtering-capabilities-and-error-messaging-in-hubspots-search-api


def _bulk(sandbox: HubSpotSandbox, count: int) -> None:
    store = sandbox.portal.stores["deals"]
    now = sandbox.clock.now()
    for n in range(count):
        store.insert({"dealname": f"Deal {n}", "amount": str(n), "dealstage": "closedwon"}, now)


def _flt(name: str, op: str, **extra: object) -> dict[str, object]:
    return {"propertyName": name, "operator": op, **extra}


def _search(client: Any, *filters: dict[str, object], **body: object) -> Any:
    request = {"filterGroups": [{"filters": list(filters)}] if filters else [], **body}
    return client.crm.deals.search_api.do_search(request)


def test_search_pages_through_all_matches_with_total(client, sandbox) -> None:
    _bulk(sandbox, 450)
    seen, after, pages = [], None, 0
    while True:
        page = _search(client, _flt("amount", "GTE", value="50"), limit=200, after=after)
        assert page.total == 400
        seen += [r.id for r in page.results]
        pages += 1
        if page.paging is None:
            break
        after = page.paging.next.after
    assert (len(seen), len(set(seen)), pages) == (400, 400, 2)


def test_search_limit_above_200_is_refused(client) -> None:
    assert api_error(_search, client, limit=201).status == 400


def test_paging_past_10000_results_is_refused(client, sandbox) -> None:
    _bulk(sandbox, 10_050)
    page = _search(client, limit=200, after="9800")
    assert page.total == 10_050
    assert page.paging.next.after == "10000"
    error = api_error(_search, client, limit=200, after="10000")
    assert error.status == 400
    assert error.body["category"] == "VALIDATION_ERROR"


def test_operators_match_by_property_type(client, sandbox) -> None:
    _bulk(sandbox, 20)

    def ids(*filters: dict[str, object]) -> set[str]:
        return {r.properties["dealname"] for r in _search(client, *filters, limit=100).results}

    assert ids(_flt("amount", "BETWEEN", value="3", highValue="5")) == {
        "Deal 3",
        "Deal 4",
        "Deal 5",
    }
    assert ids(_flt("amount", "IN", values=["1", "19"])) == {"Deal 1", "Deal 19"}
    assert ids(_flt("amount", "LT", value="2")) == {"Deal 0", "Deal 1"}
    assert len(ids(_flt("amount", "NOT_IN", values=["1"]))) == 19
    assert ids(
        _flt("dealname", "CONTAINS_TOKEN", value="1*"), _flt("amount", "LTE", value="11")
    ) == {
        "Deal 1",
        "Deal 10",
        "Deal 11",
    }
    assert ids(_flt("closed_lost_reason", "HAS_PROPERTY")) == set()
    assert len(ids(_flt("closed_lost_reason", "NOT_HAS_PROPERTY"))) == 20
    assert ids(_flt("dealname", "EQ", value="deal 7")) == {"Deal 7"}


def test_filter_groups_are_ored_and_capped_at_five(client, sandbox) -> None:
    _bulk(sandbox, 10)
    groups = [{"filters": [_flt("amount", "EQ", value=str(n))]} for n in range(3)]
    found = client.crm.deals.search_api.do_search({"filterGroups": groups, "limit": 10})
    assert found.total == 3
    six = [{"filters": [_flt("amount", "EQ", value=str(n))]} for n in range(6)]
    error = api_error(client.crm.deals.search_api.do_search, {"filterGroups": six})
    assert error.status == 400


def test_keyset_paging_on_modified_date_then_id_survives_ties(client, sandbox) -> None:
    _bulk(sandbox, 30)  # all share one hs_lastmodifieddate millisecond
    sandbox.clock.advance(timedelta(milliseconds=1))
    _bulk(sandbox, 5)
    stamp = "2026-03-02T09:30:00.000Z"
    page = _search(
        client,
        _flt("hs_lastmodifieddate", "EQ", value=stamp),
        _flt("hs_object_id", "GT", value=str(sandbox.records("deals")[9].id)),
        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        limit=100,
    )
    assert page.total == 20
    later = _search(client, _flt("hs_lastmodifieddate", "GT", value=stamp), limit=100)
    assert later.total == 5


def test_sorts_descending_with_ties_broken_by_id(client, sandbox) -> None:
    _bulk(sandbox, 5)
    page = _search(client, sorts=[{"propertyName": "amount", "direction": "DESCENDING"}], limit=5)
    assert [r.properties["amount"] for r in page.results] == ["4", "3", "2", "1", "0"]


def test_search_is_a_read_and_carries_no_rate_limit_headers(client, sandbox) -> None:
    _search(client)
    assert sandbox.ledger.reads == 1
    assert sandbox.ledger.count("POST", "/crm/v3/objects/{objectType}/search") == 1
