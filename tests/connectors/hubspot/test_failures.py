"""Failures against the sandbox: rate limits, the daily allowance, the budget, 5xx bursts,
lost answers, refused tokens and schema drift."""

from __future__ import annotations

import pytest
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiError

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.server import ServedApp
from mappings.streams import Stream
from sync.connectors.hubspot import HubSpotAdapter
from sync.connectors.hubspot.door import _retry_after as retry_after
from sync.core.ports import (
    AuthenticationError,
    CrmUnavailableError,
    DeferRunError,
    SchemaDriftError,
)
from tests.clocks import FakeTime
from tests.connectors.hubspot.conftest import (
    KEY,
    LATER,
    SEARCH,
    UPSERT,
    add,
    connect,
)

COMPANIES = Stream("account", "companies", ("id", "name", "segment"))


def one_deal(adapter: HubSpotAdapter, n: int) -> bool:
    return adapter.upsert("deals", KEY, [{KEY: f"k{n}", "dealname": f"D{n}"}])[0].ok


@pytest.mark.parametrize("sandbox", [{"ten_second_limit": 10}], indirect=True)
def test_the_client_side_window_keeps_under_the_ten_second_limit_without_a_429(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    adapter = connect(served, sandbox, fake_time, hubspot_ten_second_limit=10)
    assert all(one_deal(adapter, n) for n in range(25))
    assert adapter.door.rate_limited == 0
    assert adapter.calls == 26  # the token check and 25 upserts
    assert fake_time.sleeps == [10.0, 10.0]  # waited for the window twice, never for real


@pytest.mark.parametrize("sandbox", [{"ten_second_limit": 10}], indirect=True)
def test_a_portal_stricter_than_the_setting_is_paced_by_its_own_headers_without_a_429(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    """The setting says 100, the portal says 10 (X-HubSpot-RateLimit-Max over an interval of
    10,000 ms): the door takes the portal's figure from the first answer on."""
    adapter = connect(served, sandbox, fake_time, hubspot_ten_second_limit=100)
    assert all(one_deal(adapter, n) for n in range(25))
    assert adapter.door.rate_limited == 0
    assert adapter.door.window.limit == 10
    assert fake_time.sleeps == [10.0, 10.0]  # two full windows waited out, never refused
    assert sandbox.ledger.count("POST", UPSERT) == 25


@pytest.mark.parametrize("sandbox", [{"ten_second_limit": 19}], indirect=True)
def test_a_portal_roomier_than_the_setting_is_used_whole(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    """A Professional portal allows 190 per ten seconds (here scaled to 19) while the setting
    still says the Starter 100 (here 10): the portal's own figure is used, so fewer waits."""
    adapter = connect(served, sandbox, fake_time, hubspot_ten_second_limit=10)
    assert all(one_deal(adapter, n) for n in range(25))
    assert adapter.door.window.limit == 19
    assert adapter.door.rate_limited == 0
    assert fake_time.sleeps == [10.0]  # 26 calls: one wait at 19, where 10 would need two


def test_a_429_that_never_ends_gives_up_when_the_time_budget_is_spent_not_after_a_count(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    adapter = connect(
        served, sandbox, fake_time,
        hubspot_ten_second_limit=100_000, hubspot_rate_limit_budget_seconds=95,
    )  # fmt: skip
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=429))
    with pytest.raises(CrmUnavailableError) as caught:
        one_deal(adapter, 1)
    assert caught.value.code == "RATE_LIMITS"
    # nine waits of the ten-second window fit in 95 s; the tenth would not
    assert fake_time.sleeps == [10.0] * 9
    assert sandbox.ledger.count("POST", UPSERT) == 10  # more than the 5 transient attempts


def test_two_bursts_of_eight_429s_wait_them_out_and_keep_the_retries_for_503s(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    """API usage guidelines: a 429 of the TEN_SECONDLY_ROLLING policy clears when the window
    has passed (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines)."""
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=429, times=8))
    assert one_deal(adapter, 1)
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503, times=3))
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=429, times=8, after=3))
    assert one_deal(adapter, 2)  # 3 of the 5 transient attempts used; the 429s cost none
    assert fake_time.sleeps.count(10.0) == 16
    assert len(fake_time.sleeps) == 16 + 3


def test_a_429_of_the_secondly_search_policy_waits_one_second(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    """The CRM search endpoints have their own per-second limit, answered as policy SECONDLY
    (https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase): its window is
    one second, not ten, and like any 429 it costs none of the transient retries."""
    created = [add(sandbox, "companies", name=f"C{i}") for i in range(2)]
    sandbox.faults.add(
        FaultRule(FaultKind.HTTP_STATUS, status=429, times=6, path_contains="/search",
                  policy="SECONDLY")
    )  # fmt: skip
    got = [r["id"] for p in adapter.pull(COMPANIES, None, LATER) for r in p.records]
    assert got == created
    assert fake_time.sleeps == [1.0] * 6
    assert sandbox.ledger.count("POST", SEARCH) == 7


@pytest.mark.parametrize("sandbox", [{"daily_limit": 3}], indirect=True)
def test_the_daily_limit_defers_the_run_without_a_retry(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    adapter = connect(served, sandbox, fake_time, api_budget_share=1.0)
    assert one_deal(adapter, 1)
    sandbox.limiter.take()  # another app of the portal spends the last call of the day
    with pytest.raises(DeferRunError) as caught:
        one_deal(adapter, 2)
    assert caught.value.code == "DAILY_LIMIT"
    assert sandbox.ledger.count("POST", UPSERT) == 2
    assert fake_time.sleeps == []


@pytest.mark.parametrize("sandbox", [{"daily_limit": 10}], indirect=True)
def test_the_budget_share_defers_the_run_before_the_call(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    adapter = connect(served, sandbox, fake_time, api_budget_share=0.5)
    for n in range(4):
        assert one_deal(adapter, n)
    usage = adapter.usage()
    assert usage is not None
    assert (usage.used, usage.limit) == (5, 10)
    with pytest.raises(DeferRunError) as caught:
        one_deal(adapter, 9)
    assert caught.value.code == "API_BUDGET_REACHED"
    assert sandbox.ledger.count("POST", UPSERT) == 4  # refused before it was sent


def test_a_burst_of_503_is_retried_with_back_off(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    created = [add(sandbox, "companies", name=f"C{i}") for i in range(3)]
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503, times=3))
    got = [r["id"] for p in adapter.pull(COMPANIES, None, LATER) for r in p.records]
    assert got == created
    assert sandbox.ledger.count("POST", SEARCH) == adapter.calls == 4
    assert len(fake_time.sleeps) == 3
    assert fake_time.sleeps[0] < fake_time.sleeps[2] <= 30 + 1


def test_500_and_502_are_transient_too(adapter: HubSpotAdapter, sandbox: HubSpotSandbox) -> None:
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=500, times=1))
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=502, times=1))
    assert one_deal(adapter, 1)


def test_503_that_outlasts_the_retries_is_crm_unavailable(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=503))
    with pytest.raises(CrmUnavailableError) as caught:
        list(adapter.pull(COMPANIES, None, LATER))
    assert caught.value.code == "HTTP_503"
    assert adapter.calls == 5


def test_a_lost_upsert_answer_is_retried_without_a_duplicate(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOST_RESPONSE, times=1, path_contains="batch/upsert"))
    records = [{KEY: f"k{i}", "dealname": f"D{i}"} for i in range(3)]
    outcomes = adapter.upsert("deals", KEY, records)
    assert all(o.ok for o in outcomes)
    assert sandbox.ledger.count("POST", UPSERT) == 2
    assert sorted(r.props[KEY] for r in sandbox.records("deals")) == ["k0", "k1", "k2"]


def test_an_expired_token_is_an_authentication_error_naming_the_setting(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sandbox.expire_token()
    with pytest.raises(AuthenticationError) as caught:
        one_deal(adapter, 1)
    assert caught.value.code == "EXPIRED_AUTHENTICATION"
    assert "HUBSPOT_ACCESS_TOKEN" in str(caught.value)
    assert sandbox.token not in str(caught.value)
    assert sandbox.ledger.count("POST", UPSERT) == 1  # a refused token is never retried


def test_a_refused_token_fails_at_connect(
    served: ServedApp, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    wrong = "pat-na1-00000000-0000-0000-0000-000000000000"
    with pytest.raises(AuthenticationError) as caught:
        connect(served, sandbox, fake_time, token=wrong)
    assert caught.value.code == "INVALID_AUTHENTICATION"
    assert wrong not in str(caught.value)
    assert "HUBSPOT_ACCESS_TOKEN" in str(caught.value)


def test_a_dropped_property_is_drift_naming_it_on_pulls(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    add(sandbox, "companies", name="Acme", segment="standard")
    sandbox.schema.drop_property("companies", "segment")
    with pytest.raises(SchemaDriftError) as caught:
        list(adapter.pull(COMPANIES, None, LATER))
    assert (caught.value.object_name, caught.value.field_name) == ("companies", "segment")


def test_a_dropped_filter_property_is_drift_naming_it(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    add(sandbox, "tasks", hs_task_subject="Call", renewal_sync_key="t-1")
    sandbox.schema.drop_property("tasks", KEY)
    tasks = Stream("written:task", "tasks", ("hs_task_subject",), require_field=KEY)
    with pytest.raises(SchemaDriftError) as caught:
        list(adapter.pull(tasks, None, LATER))
    assert (caught.value.object_name, caught.value.field_name) == ("tasks", KEY)


def test_a_dropped_property_is_drift_naming_it_on_writes(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sandbox.schema.drop_property("deals", "renewal_ledger")
    records = [{KEY: "k1", "dealname": "D", "renewal_ledger": "x"}]
    with pytest.raises(SchemaDriftError) as caught:
        adapter.upsert("deals", KEY, records)
    assert (caught.value.object_name, caught.value.field_name) == ("deals", "renewal_ledger")


def test_retry_after_wins_over_the_window_interval() -> None:
    refused = ObjectsApiError(status=429, reason="Too Many Requests")
    refused.headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    assert retry_after(refused) == 10.0
    refused.headers = {"Retry-After": "3", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    assert retry_after(refused) == 3.0


def test_the_back_off_is_built_without_a_deprecation_warning() -> None:
    import warnings  # noqa: PLC0415

    from sync.connectors.hubspot import RetryPolicy  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        wait = RetryPolicy(initial_wait=2.0, max_wait=30.0, jitter=0.0).wait()
    assert wait.multiplier == 2.0
