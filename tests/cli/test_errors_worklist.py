"""`renewal-sync errors` as a work list, against a served sandbox org after real runs.

A person's edit the service kept is a note (shown with --notes, not counted as needing
action); a field dropped from the org is work. Entries carry the account and opportunity
names and a CRM link, filter by code and account, export as JSON and CSV, and can be
resolved or sent back for retry, all without CRM credentials.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest

from sync.state.errors import NOTE_CODES
from tests.cli.conftest import invoke
from tests.cli.test_drift import Org, org  # noqa: F401 - the served org fixture

NO_CREDENTIALS = ("SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_USERNAME", "SF_PASSWORD")


@pytest.fixture
def worked(org: Org, monkeypatch: pytest.MonkeyPatch) -> Org:  # noqa: F811
    """One run, a person moves a renewal's stage, the mapped ledger field is dropped, and
    a second run meets both: one note and one error that needs action."""
    org.run()
    renewal = next(o for o in org.sandbox.records("Opportunity") if o.get("Renewal_Sync_Key__c"))
    org.sandbox.clock.advance(timedelta(seconds=1))
    opportunity = org.sandbox.schema.object("Opportunity")
    org.sandbox.writer.update(opportunity, renewal["Id"], {"StageName": "Negotiation/Review"})
    org.sandbox.schema.drop_field("Opportunity", "Renewal_Ledger__c")
    org.run()
    for name in NO_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    return org


def _json(*args: str) -> dict[str, Any]:
    result = invoke("errors", "--json", *args)
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_notes_are_kept_apart_from_what_needs_action(worked: Org) -> None:
    listed = _json()
    assert listed["needs_action"] == 1
    assert listed["notes"] >= 1
    assert [e["code"] for e in listed["errors"]] == ["INVALID_FIELD"]
    assert {e["kind"] for e in _json("--notes")["errors"]} == {"action", "note"}
    text = invoke("errors").output
    assert text.startswith("1 error(s) need action; ")
    assert "shown with --notes" in text
    assert worked.store.errors.count_open("salesforce") == 1, "the metric counts work only"


def test_a_kept_edit_names_the_account_the_renewal_and_links_to_it(worked: Org) -> None:
    notes = [e for e in _json("--notes")["errors"] if e["code"] in NOTE_CODES]
    assert notes
    for note in notes:
        _check_named(worked, note)


def _check_named(worked: Org, note: dict[str, Any]) -> None:
    renewal = worked.sandbox.record(note["link"].rsplit("/", 1)[1])
    assert renewal is not None
    assert renewal["Renewal_Sync_Key__c"], "links to the renewal, not to its contract"
    account = worked.sandbox.record(renewal["AccountId"])
    assert account is not None
    assert note["account"] == account["Name"]
    assert note["record"].startswith("renewal of ")
    assert note["link"].startswith(str(worked.settings.sf_instance_url))


def test_filters_by_code_and_account(worked: Org) -> None:
    notes = [e for e in _json("--notes")["errors"] if e["code"] in NOTE_CODES]
    note = notes[0]
    kept = _json("--notes", "--kind", "human_edit_kept")["errors"]
    assert {e["code"] for e in kept} == {"HUMAN_EDIT_KEPT"}
    assert len(kept) == sum(e["code"] == "HUMAN_EDIT_KEPT" for e in notes)
    by_account = _json("--notes", "--account", note["account"].split()[0].lower())["errors"]
    assert note["id"] in {e["id"] for e in by_account}
    assert all(note["account"].split()[0] in e["account"] for e in by_account)
    assert _json("--account", "no such account")["errors"] == []


def test_csv_has_one_row_per_error_with_a_header(worked: Org) -> None:
    result = invoke("errors", "--notes", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(_json("--notes")["errors"])
    assert {"id", "kind", "code", "account", "record", "link", "message"} <= set(rows[0])


def test_resolve_and_retry_by_id(worked: Org) -> None:
    (error,) = _json()["errors"]
    assert invoke("errors", "resolve", str(error["id"])).output.strip() == (
        f"error {error['id']} resolved"
    )
    assert _json()["needs_action"] == 0
    assert invoke("errors", "resolve", str(error["id"])).output.strip().endswith("already resolved")
    retried = invoke("errors", "retry", str(error["id"]))
    assert "will be retried on the next run" in retried.output
    (again,) = _json()["errors"]
    assert again["id"] == error["id"]
    assert again["attempts"] == 0
    assert worked.run().status == "succeeded"
    (after,) = _json()["errors"]
    assert after["attempts"] == 1, "the next run tried the record again"
    missing = invoke("errors", "resolve", "99999")
    assert missing.exit_code == 2
    assert "no error with id 99999" in missing.output
