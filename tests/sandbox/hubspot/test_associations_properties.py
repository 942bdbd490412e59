"""Associations v4 (inline and explicit) with HubSpot's type ids, and the properties API."""

from __future__ import annotations

from tests.sandbox.hubspot.conftest import api_error

# Type ids (deal->company 341/primary 5, line item->deal 20, task->deal 216, task->company 192,
# ticket->company 339): https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
# Properties: https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide


def _assoc(to_id: str, type_id: int) -> dict[str, object]:
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def test_inline_associations_on_create_use_the_real_type_ids(client, sandbox) -> None:
    company = client.crm.companies.basic_api.create({"properties": {"name": "Acme"}}).id
    deal = client.crm.deals.basic_api.create(
        {"properties": {"dealname": "D"}, "associations": [_assoc(company, 5)]}
    ).id
    task = client.crm.objects.tasks.basic_api.create(
        {
            "properties": {
                "hs_task_subject": "Plan the renewal",
                "hs_timestamp": "2026-08-03T00:00:00Z",
            },
            "associations": [_assoc(deal, 216), _assoc(company, 192)],
        }
    ).id
    line = client.crm.line_items.basic_api.create(
        {
            "properties": {"name": "Seat", "price": "300", "quantity": "20"},
            "associations": [_assoc(deal, 20)],
        }
    )
    ticket = client.crm.tickets.basic_api.create(
        {
            "properties": {"subject": "Help", "hs_pipeline": "0", "hs_pipeline_stage": "1"},
            "associations": [_assoc(company, 339)],
        }
    ).id
    assert line.properties["amount"] == "6000"
    assert sandbox.associated_ids("tasks", task, "deals") == [int(deal)]
    assert sandbox.associated_ids("companies", company, "tickets") == [int(ticket)]
    page = client.crm.associations.v4.basic_api.get_page("deals", deal, "companies")
    [row] = page.results
    assert {t.type_id for t in row.association_types} == {5, 341}
    back = client.crm.associations.v4.basic_api.get_page("companies", company, "deals")
    assert {t.type_id for t in back.results[0].association_types} == {6, 342}
    listed = client.crm.deals.basic_api.get_by_id(deal, associations=["line_items", "tasks"])
    assert listed.associations["line_items"].results[0].id == line.id


def test_an_unknown_association_type_fails_the_create(client, sandbox) -> None:
    company = client.crm.companies.basic_api.create({"properties": {"name": "Acme"}}).id
    error = api_error(
        client.crm.deals.basic_api.create,
        {"properties": {"dealname": "D"}, "associations": [_assoc(company, 279)]},
    )
    assert error.status == 400
    assert sandbox.records("deals") == []


def test_v4_default_and_batch_associations(client, sandbox) -> None:
    company = client.crm.companies.basic_api.create({"properties": {"name": "Acme"}}).id
    deals = [
        client.crm.deals.basic_api.create({"properties": {"dealname": f"D{n}"}}).id
        for n in range(3)
    ]
    made = client.crm.associations.v4.basic_api.create_default(
        "deals", deals[0], "companies", company
    )
    assert made.results[0].association_spec.association_type_id == 341
    inputs = [
        {
            "from": {"id": d},
            "to": {"id": company},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
        }
        for d in deals[1:]
    ]
    created = client.crm.associations.v4.batch_api.create("deals", "companies", {"inputs": inputs})
    assert [r.labels for r in created.results] == [["Primary"], ["Primary"]]
    read = client.crm.associations.v4.batch_api.get_page(
        "deals", "companies", {"inputs": [{"id": d} for d in [*deals, "123"]]}
    )
    assert len(read.results) == 3
    assert read.num_errors == 1
    assert (
        sandbox.ledger.count(
            "POST", "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
        )
        == 1
    )
    client.crm.associations.v4.basic_api.archive("deals", deals[0], "companies", company)
    assert sandbox.associated_ids("companies", company, "deals") == sorted(
        int(d) for d in deals[1:]
    )


def test_properties_are_read_created_and_refused_twice(client) -> None:
    prop = client.crm.properties.core_api.get_by_name("companies", "renewal_sync_key")
    assert (prop.has_unique_value, prop.group_name, prop.type) == (True, "renewal_sync", "string")
    names = {p.name for p in client.crm.properties.core_api.get_all("deals").results}
    assert {"dealname", "closedate", "order_type", "renewal_ledger", "hs_is_closed_won"} <= names
    body = {
        "name": "csm_notes",
        "label": "CSM notes",
        "type": "string",
        "fieldType": "textarea",
        "groupName": "renewal_sync",
    }
    created = client.crm.properties.core_api.create("companies", body)
    assert created.hubspot_defined is False
    error = api_error(client.crm.properties.core_api.create, "companies", body)
    assert error.status == 409
    client.crm.companies.basic_api.create({"properties": {"name": "A", "csm_notes": "hi"}})


def test_a_dropped_property_is_schema_drift_the_service_sees(client, sandbox) -> None:
    sandbox.schema.drop_property("deals", "renewal_ledger")
    error = api_error(
        client.crm.deals.basic_api.create, {"properties": {"dealname": "D", "renewal_ledger": "x"}}
    )
    assert error.body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    sandbox.schema.alter_property("deals", "order_type", options=("new",))
    error = api_error(client.crm.deals.basic_api.create, {"properties": {"order_type": "renewal"}})
    assert error.body["errors"][0]["code"] == "INVALID_OPTION"


def test_hubspot_defined_properties_cannot_be_archived(client) -> None:
    assert api_error(client.crm.properties.core_api.archive, "deals", "dealname").status == 400
    client.crm.properties.core_api.archive("deals", "renewal_ledger")
    assert (
        api_error(client.crm.properties.core_api.get_by_name, "deals", "renewal_ledger").status
        == 404
    )


def test_a_line_items_total_contract_value_covers_its_term(client) -> None:
    """`hs_recurring_billing_period` "is formatted as P#M, where # is the number of months"
    (https://developers.hubspot.com/docs/api/crm/products); the total contract value is the
    amount times the billing periods in that term, the amount itself without one."""
    yearly = {"name": "Plan", "price": "1000", "quantity": "2", "hs_discount_percentage": "10",
              "recurringbillingfrequency": "annually"}  # fmt: skip
    termed = client.crm.line_items.basic_api.create(
        {"properties": {**yearly, "hs_recurring_billing_period": "P15M"}}
    )
    assert (termed.properties["amount"], termed.properties["hs_tcv"]) == ("1800", "2250")
    quarterly = {**yearly, "recurringbillingfrequency": "quarterly"}
    by_quarter = client.crm.line_items.basic_api.create(
        {"properties": {**quarterly, "hs_recurring_billing_period": "P1Y"}}
    )
    assert by_quarter.properties["hs_tcv"] == "7200"
    once = client.crm.line_items.basic_api.create(
        {"properties": {"name": "Onboarding", "price": "500", "quantity": "1"}}
    )
    assert once.properties["hs_tcv"] == "500"
