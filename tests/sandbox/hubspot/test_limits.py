"""Rate limits: the rolling ten-second allowance, the daily allowance, and their headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import START, FakeMonotonic, api_error, make_client

# Limits, the 429 body (errorType RATE_LIMIT, policyName) and the X-HubSpot-RateLimit-* headers:
# https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines


@pytest.fixture
def rate_clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def sandbox(rate_clock: FakeMonotonic) -> HubSpotSandbox:
    clock = SandboxClock(START)
    return HubSpotSandbox(clock=clock, ten_second_limit=5, daily_limit=8, rate_clock=rate_clock)


def _list(client: Any) -> Any:
    return client.crm.companies.basic_api.get_page_with_http_info()


def test_successful_calls_carry_the_allowance_headers(client) -> None:
    _, status, headers = _list(client)
    assert status == 200
    assert headers["X-HubSpot-RateLimit-Max"] == "5"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "4"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert headers["X-HubSpot-RateLimit-Daily"] == "8"
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == "7"


def test_the_sixth_call_in_ten_seconds_gets_429_until_the_window_rolls(
    client, sandbox, rate_clock
) -> None:
    for _ in range(5):
        _list(client)
    error = api_error(client.crm.companies.basic_api.get_page)
    assert error.status == 429
    assert error.body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert error.body["errorType"] == "RATE_LIMIT"
    assert error.body["message"] == "You have reached your ten_secondly_rolling limit."
    assert error.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    rate_clock.now += 9.9
    assert api_error(client.crm.companies.basic_api.get_page).status == 429
    sandbox.advance_rate_window()
    assert _list(client)[1] == 200
    assert sandbox.ledger.total == 8  # refused calls are still in the ledger


def test_the_daily_allowance_runs_out_and_resets_with_the_date(client, sandbox) -> None:
    for _ in range(8):
        sandbox.advance_rate_window()
        _list(client)
    sandbox.advance_rate_window()
    error = api_error(client.crm.companies.basic_api.get_page)
    assert error.status == 429
    assert error.body["policyName"] == "DAILY"
    assert error.body["message"] == "You have reached your daily limit."
    sandbox.clock.advance(timedelta(days=1))
    assert _list(client)[1] == 200


def test_search_answers_carry_no_rate_limit_headers(client) -> None:
    _, status, headers = client.crm.deals.search_api.do_search_with_http_info({"limit": 1})
    assert status == 200
    assert "X-HubSpot-RateLimit-Max" not in headers


def test_tiers_set_the_documented_allowances() -> None:
    starter = HubSpotSandbox(tier="starter")
    assert (starter.limiter.ten_second_limit, starter.limiter.daily_limit) == (100, 250_000)
    pro = HubSpotSandbox()
    assert (pro.limiter.ten_second_limit, pro.limiter.daily_limit) == (190, 625_000)


def test_a_wrong_token_is_401_before_any_allowance_is_spent(sandbox, served) -> None:
    client = make_client(sandbox, served, token="pat-wrong")
    error = api_error(client.crm.companies.basic_api.get_page)
    assert error.status == 401
    assert error.body["category"] == "INVALID_AUTHENTICATION"
    assert sandbox.limiter.daily_used == 0


def _search(client: Any) -> Any:
    return client.crm.deals.search_api.do_search_with_http_info({"limit": 1})


def test_search_has_its_own_limit_of_four_a_second_without_headers(
    client: Any, rate_clock: FakeMonotonic
) -> None:
    """https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase: four
    search requests a second per token; the 429 names the SECONDLY policy, and search
    answers carry no X-HubSpot-RateLimit-* headers."""
    for _ in range(4):
        _, status, headers = _search(client)
        assert status == 200
        assert "X-HubSpot-RateLimit-Max" not in headers
    error = api_error(_search, client)
    assert error.status == 429
    assert error.body["policyName"] == "SECONDLY"
    rate_clock.now += 1.0
    assert _search(client)[1] == 200
