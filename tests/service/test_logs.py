"""Every log line is JSON with the run id, and no secret survives into it."""

from __future__ import annotations

import io
import json

from sync.connectors.hubspot.failures import FAILURES as HUBSPOT
from sync.connectors.salesforce.failures import FAILURES as SALESFORCE
from sync.core.failures import Action, Blame, decide
from sync.core.logs import bound_run, configure_logging, get_logger, register_secret, scrub


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_lines_are_json_and_carry_the_run_id() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    with bound_run("run-42", crm="salesforce"):
        get_logger("test").info("pulled", records=3)
    (line,) = _lines(stream)
    assert line["run_id"] == "run-42"
    assert line["event"] == "pulled"
    assert line["records"] == 3


def test_registered_secret_is_masked_in_fields_and_exceptions() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    register_secret("s3cr3t-client-value")
    try:
        raise RuntimeError("login refused for s3cr3t-client-value")
    except RuntimeError:
        get_logger("test").exception("login", detail={"secret": "s3cr3t-client-value"})
    text = stream.getvalue()
    assert "s3cr3t-client-value" not in text
    assert "***" in text


def test_token_shapes_are_masked_without_registration() -> None:
    session = "00D5g000004ABCD!AQ0AQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUk"
    assert session not in scrub(f"GET /query with {session}")
    assert scrub("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer ***"
    assert scrub('{"access_token": "xyz-123-456"}') == '{"access_token": "***"}'
    assert scrub("client_secret=abc123&grant_type=x") == "client_secret=***&grant_type=x"


def test_failure_table_maps_codes_to_actions() -> None:
    def action(code: str, status: int | None = None) -> Action:
        return decide(SALESFORCE, code, status).action

    assert action("UNABLE_TO_LOCK_ROW") is Action.RETRY
    assert action("INVALID_SESSION_ID") is Action.REAUTHENTICATE
    assert action("REQUEST_LIMIT_EXCEEDED", 403) is Action.DEFER_RUN
    assert action("REQUEST_LIMIT_EXCEEDED", 429) is Action.RETRY  # a concurrent limit passes
    assert action("SOMETHING_ODD", 503) is Action.RETRY  # the status decides an unknown code
    assert decide(SALESFORCE, "INVALID_FIELD").blame is Blame.CONFIG
    assert action("REQUIRED_FIELD_MISSING") is Action.REJECT_RECORD
    unknown = decide(SALESFORCE, "SOMETHING_NEW", 400)
    assert (unknown.action, unknown.blame) == (Action.REJECT_RECORD, Blame.BUG)


def test_hubspot_failure_table_reads_policies_and_statuses() -> None:
    assert decide(HUBSPOT, "DAILY_LIMIT", 429).action is Action.DEFER_RUN
    assert decide(HUBSPOT, "RATE_LIMITS", 429).action is Action.RETRY
    assert decide(HUBSPOT, "LOCKED", 423).action is Action.RETRY
    assert decide(HUBSPOT, "INVALID_AUTHENTICATION", 401).action is Action.REAUTHENTICATE
    assert decide(HUBSPOT, "PROPERTY_DOESNT_EXIST", 400).action is Action.SKIP_DEPENDENTS
    assert decide(HUBSPOT, "HTTP_0", 0).action is Action.RETRY


def test_an_error_code_ending_in_a_secret_word_is_not_masked() -> None:
    """Only secrets are masked: the message after INVALID_SESSION_ID stays readable."""
    message = "INVALID_SESSION_ID: Salesforce session expired"
    assert scrub(message) == message
    assert scrub("session_id=00Dxx!abc123") == "session_id=***"
