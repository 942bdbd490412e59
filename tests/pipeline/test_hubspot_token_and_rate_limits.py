"""HubSpot's own wire rules: a private-app token that cannot be renewed, the ten-second window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from sync.connectors.hubspot import RetryPolicy
from sync.core.ports import AuthenticationError
from tests.clocks import FakeTime
from tests.pipeline.conftest import hubspot_sandbox
from tests.pipeline.hubspot_org import HubSpotOrg
from tests.pipeline.test_failures_and_recovery import _REFERENCE, SEED, SIZE, assert_clean

MakeHubSpotOrg = Callable[..., HubSpotOrg]


def _reference(make_hubspot_org: MakeHubSpotOrg) -> dict[str, object]:
    if ("hubspot", SIZE, SEED) not in _REFERENCE:
        org = make_hubspot_org(hubspot_sandbox(SIZE, SEED))
        assert org.run().status == "succeeded"
        _REFERENCE["hubspot", SIZE, SEED] = org.crm_state()
    return _REFERENCE["hubspot", SIZE, SEED]


def test_a_token_refused_mid_run_fails_cleanly_and_a_fresh_token_finishes(
    make_hubspot_org: MakeHubSpotOrg,
) -> None:
    """A private-app token cannot be renewed by the service: the run fails, names the
    variable, never the token; the operator rotates it and the next run ends clean."""
    expected = _reference(make_hubspot_org)
    sandbox = hubspot_sandbox(SIZE, SEED)
    old = sandbox.token
    rule = sandbox.faults.add(
        FaultRule(FaultKind.EXPIRED_SESSION, path_contains="/batch/upsert", times=1, after=2)
    )
    org = make_hubspot_org(sandbox)
    failed = org.run()
    assert rule.fired
    assert failed.status == "failed"
    assert "HUBSPOT_ACCESS_TOKEN" in (failed.error or "")
    assert old not in (failed.error or "")
    sandbox.expire_token()
    with pytest.raises(AuthenticationError):
        org.run()  # the dead token is refused at connect, before any work
    sandbox.issue_token("pat-na1-rotated-0001")
    assert org.run().status == "succeeded"
    assert_clean(org, expected)


def test_the_ten_second_window_is_honoured_without_a_429(
    make_hubspot_org: MakeHubSpotOrg, fake_time: FakeTime
) -> None:
    expected = _reference(make_hubspot_org)
    org = make_hubspot_org(hubspot_sandbox(SIZE, SEED, rate_clock=fake_time, ten_second_limit=10))
    result = org.run(hubspot_ten_second_limit=10)
    assert result.status == "succeeded", result.error
    assert org.last_port is not None
    assert org.last_port.door.rate_limited == 0
    door = org.last_port.door
    assert door.window.waited > 0, "the ten-second window was waited out"
    assert door.searches.waited > 0, "searches were paced to four a second"
    assert max(fake_time.sleeps) <= 10.0
    assert org.crm_state() == expected


def test_a_portal_stricter_than_the_setting_and_the_search_limit_answer_no_429(
    make_hubspot_org: MakeHubSpotOrg, fake_time: FakeTime
) -> None:
    """The setting says 100, the portal 10, and searches are limited to four a second (both
    on the shared fake clock): the door learns the window from the answers' headers and
    paces searches itself, so a whole run is never answered 429."""
    expected = _reference(make_hubspot_org)
    sandbox = hubspot_sandbox(
        SIZE, SEED, rate_clock=fake_time, ten_second_limit=10, search_per_second=4
    )
    org = make_hubspot_org(sandbox)
    org.policy = RetryPolicy(jitter=0.0)
    result = org.run(hubspot_ten_second_limit=100)
    assert result.status == "succeeded", result.error
    assert org.last_port is not None
    assert org.last_port.door.rate_limited == 0
    assert org.last_port.door.window.limit == 10
    assert org.crm_state() == expected
