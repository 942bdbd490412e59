"""Every log line is JSON with the run id, and no secret survives into it."""

from __future__ import annotations

import io
import json

from sync.core.failures import Action, Blame, resolve
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
    assert resolve("UNABLE_TO_LOCK_ROW").action is Action.RETRY
    assert resolve("INVALID_SESSION_ID").action is Action.REAUTHENTICATE
    assert resolve("REQUEST_LIMIT_EXCEEDED").action is Action.DEFER_RUN
    assert resolve("INVALID_FIELD").blame is Blame.CONFIG
    assert resolve("REQUIRED_FIELD_MISSING").action is Action.REJECT_RECORD
    unknown = resolve("SOMETHING_NEW")
    assert (unknown.action, unknown.blame) == (Action.REJECT_RECORD, Blame.BUG)
