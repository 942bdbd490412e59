"""Basic CRUD through the unmodified client: paging, archived records, ids, dates, errors."""

from __future__ import annotations

from datetime import timedelta

import hubspot
import pytest

from crm_sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import api_error


def _company(client: hubspot.HubSpot, name: str, **props: str) -> str:
    body = {"properties": {"name": name, **props}}
    return str(client.crm.companies.basic_api.create(body).id)


@pytest.mark.parametrize(
    "api",
    [
        lambda c: c.crm.objects.basic_api.get_page("companies"),
        lambda c: c.crm.deals.basic_api.get_page(),
        lambda c: c.crm.companies.basic_api.get_page(),
        lambda c: c.crm.line_items.basic_api.get_page(),
        lambda c: c.crm.objects.tasks.basic_api.get_page(),
        lambda c: c.crm.tickets.basic_api.get_page(),
        lambda c: c.crm.objects.feedback_submissions.basic_api.get_page(),
        lambda c: c.crm.associations.v4.basic_api.get_page("deals", "1", "companies"),
        lambda c: c.crm.properties.core_api.get_all("deals"),
        lambda c: c.crm.owners.owners_api.get_page(),
    ],
)
def test_the_host_setting_reaches_every_api_the_service_uses(client, sandbox, api) -> None:
    api(client)
    assert sandbox.ledger.total == 1


def test_create_answers_hubspot_ids_and_millisecond_utc_stamps(client, sandbox) -> None:
    # Record shape and read-only hs_object_id/hs_lastmodifieddate:
    # https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects
    created = client.crm.companies.basic_api.create({"properties": {"name": "Acme"}})
    assert created.id.isdigit()
    assert len(created.id) >= 10
    props = created.properties
    assert props["hs_object_id"] == created.id
    assert props["hs_lastmodifieddate"] == "2026-03-02T09:30:00.000Z"
    assert props["createdate"] == "2026-03-02T09:30:00.000Z"
    sandbox.clock.advance(timedelta(minutes=5, milliseconds=7))
    updated = client.crm.companies.basic_api.update(
        created.id, {"properties": {"name": "Acme Inc"}}
    )
    assert updated.properties["hs_lastmodifieddate"] == "2026-03-02T09:35:00.007Z"
    assert updated.properties["createdate"] == "2026-03-02T09:30:00.000Z"


def test_list_pages_with_after_cursor_and_link(client) -> None:
    # Paging: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects
    # ("paging.next.after" and a "link"; at most 100 per page).
    ids = {_company(client, f"Company {n}") for n in range(25)}
    seen, after, pages = set(), None, 0
    while True:
        page = client.crm.companies.basic_api.get_page(limit=10, after=after)
        seen |= {r.id for r in page.results}
        pages += 1
        if page.paging is None:
            break
        assert "after=" in page.paging.next.link
        after = page.paging.next.after
    assert (seen, pages) == (ids, 3)


def test_list_limit_above_100_is_refused(client) -> None:
    error = api_error(client.crm.companies.basic_api.get_page, limit=101)
    assert error.status == 400
    assert error.body["category"] == "VALIDATION_ERROR"


def test_archived_records_leave_the_list_and_show_with_archived_true(client) -> None:
    keep, gone = _company(client, "Keep"), _company(client, "Gone")
    client.crm.companies.basic_api.archive(gone)
    live = client.crm.companies.basic_api.get_page()
    archived = client.crm.companies.basic_api.get_page(archived=True)
    assert [r.id for r in live.results] == [keep]
    assert [r.id for r in archived.results] == [gone]
    assert archived.results[0].archived is True
    assert api_error(client.crm.companies.basic_api.get_by_id, gone).status == 404


def test_get_by_unique_id_property(client) -> None:
    company_id = _company(client, "Keyed", renewal_sync_key="ACC-7")
    found = client.crm.companies.basic_api.get_by_id("ACC-7", id_property="renewal_sync_key")
    assert found.id == company_id


def test_requested_properties_come_back_null_when_unset(client) -> None:
    company_id = _company(client, "Sparse")
    found = client.crm.companies.basic_api.get_by_id(company_id, properties=["segment", "nope"])
    assert found.properties["segment"] is None
    assert "nope" not in found.properties
    assert set(found.properties) >= {"hs_object_id", "createdate", "hs_lastmodifieddate"}


def test_date_properties_round_trip_as_midnight_utc(client) -> None:
    # "Date properties ... must be set to midnight UTC ... If you try to set a value that is not
    # midnight UTC, you will receive an error":
    # https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis
    midnight_ms = "1777593600000"  # 2026-05-01T00:00:00Z
    company_id = _company(client, "Dated", health_date=midnight_ms, next_renewal_date="2026-12-31")
    found = client.crm.companies.basic_api.get_by_id(
        company_id, properties=["health_date", "next_renewal_date"]
    )
    assert found.properties["health_date"] == "2026-05-01"
    assert found.properties["next_renewal_date"] == "2026-12-31"
    error = api_error(
        client.crm.companies.basic_api.update,
        company_id,
        {"properties": {"health_date": "2026-05-01T09:00:00Z"}},
    )
    assert error.status == 400
    assert error.body["errors"][0]["code"] == "INVALID_DATE"
    assert "not midnight" in error.body["message"]


def test_unknown_property_and_bad_option_are_reported_together(client) -> None:
    # Error body shape: https://developers.hubspot.com/docs/api-reference/error-handling
    error = api_error(
        client.crm.companies.basic_api.create,
        {"properties": {"name": "X", "colour": "red", "segment": "enormous"}},
    )
    assert error.status == 400
    assert error.body["category"] == "VALIDATION_ERROR"
    assert error.body["message"].startswith("Property values were not valid")
    codes = {e["code"] for e in error.body["errors"]}
    assert codes == {"PROPERTY_DOESNT_EXIST", "INVALID_OPTION"}
    assert error.body["correlationId"]


def test_feedback_submissions_are_read_only(client, sandbox: HubSpotSandbox) -> None:
    # "This API is read-only": https://developers.hubspot.com/docs/api/crm/feedback-submissions
    error = api_error(
        client.crm.objects.basic_api.create,
        "feedback_submissions",
        {"properties": {"hs_value": "9"}},
    )
    assert error.status == 405
    assert sandbox.records("feedback_submissions") == []


def test_deal_stage_sets_hubspot_calculated_closed_flags(client) -> None:
    deal = client.crm.deals.basic_api.create(
        {"properties": {"dealname": "D", "dealstage": "closedwon", "pipeline": "default"}}
    )
    assert deal.properties["hs_is_closed_won"] == "true"
    assert deal.properties["hs_is_closed"] == "true"
