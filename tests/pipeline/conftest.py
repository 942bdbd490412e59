"""The pipeline suite runs once per CRM: every test that asks for `org` or `make_org` runs
against a Salesforce org (HTTPS) and a HubSpot portal (plain HTTP), one server per CRM and
session, a fresh sandbox per test.

CRM-specific tests ask for `make_salesforce_org` or `make_hubspot_org` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.records import GenOrder
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp, serve_in_thread
from sync.state import StateStore
from tests.clocks import FakeTime
from tests.db_fixtures import DbTarget
from tests.pipeline.hubspot_org import NO_WINDOW, HubSpotOrg
from tests.pipeline.orgs import TODAY, Org
from tests.pipeline.salesforce_org import SalesforceOrg
from tests.pipeline.scenarios import worked_example_bundle
from tests.served import CurrentSandbox

CRMS = ("salesforce", "hubspot")
MakeOrg = Callable[..., Org]


def salesforce_sandbox(
    opportunities: int = 60, seed: int = 11, **options: Any
) -> SalesforceSandbox:
    """An org at TODAY 08:00 UTC holding `opportunities` generated opportunities."""
    clock = SandboxClock(datetime.combine(TODAY, time(8, 0), tzinfo=UTC))
    sandbox = SalesforceSandbox(clock=clock, seed=seed, **options)
    if opportunities:
        sandbox.load(generate(opportunities, seed=seed, today=TODAY))
    return sandbox


def hubspot_sandbox(
    deals: int = 60, seed: int = 11, *, rate_clock: FakeTime | None = None, **options: Any
) -> HubSpotSandbox:
    """A portal at TODAY 08:00 UTC holding `deals` generated deals; no rate limit by default."""
    clock = SandboxClock(datetime.combine(TODAY, time(8, 0), tzinfo=UTC))
    options.setdefault("ten_second_limit", NO_WINDOW)
    options.setdefault("search_per_second", NO_WINDOW)
    if rate_clock is not None:
        options["rate_clock"] = rate_clock.monotonic
    sandbox = HubSpotSandbox(seed=seed, clock=clock, **options)
    if deals:
        sandbox.load(generate(deals, seed=seed, today=TODAY))
    return sandbox


def worked_example_salesforce(*orders: GenOrder, segment: str = "standard") -> SalesforceSandbox:
    """An org holding one account with the given orders (the worked example by default)."""
    sandbox = salesforce_sandbox(opportunities=0)
    dataset = generate(10, seed=1, today=TODAY)
    sandbox.load(dataset, bundles=[worked_example_bundle(dataset.users, orders, segment)])
    return sandbox


def worked_example_hubspot(*orders: GenOrder, segment: str = "standard") -> HubSpotSandbox:
    """A portal holding one company with the given deals (the worked example by default)."""
    sandbox = hubspot_sandbox(deals=0)
    users = generate(10, seed=1, today=TODAY).users
    sandbox.load_bundles(users, [worked_example_bundle(users, orders, segment)])
    return sandbox


@pytest.fixture(scope="session")
def _hubspot_server() -> Iterator[tuple[ServedApp, CurrentSandbox]]:
    current = CurrentSandbox()
    with serve_in_thread(current) as app:
        yield app, current


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_salesforce_org(
    _server: tuple[ServedApp, CurrentSandbox], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., SalesforceOrg]]:
    """Wrap a Salesforce sandbox; the last one built is the one being served."""
    app, current = _server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(app.ca_bundle))
    stores: list[StateStore] = []

    def build(sandbox: SalesforceSandbox, target: DbTarget | None = None) -> SalesforceOrg:
        stores.append(target.open_store() if target else _sqlite(tmp_path, len(stores)))
        current.sandbox = sandbox
        return SalesforceOrg(sandbox, app, stores[-1])

    yield build
    current.sandbox = None
    for store in stores:
        store.close()


@pytest.fixture
def make_hubspot_org(
    _hubspot_server: tuple[ServedApp, CurrentSandbox], tmp_path: Any, fake_time: FakeTime
) -> Iterator[Callable[..., HubSpotOrg]]:
    """Wrap a HubSpot portal; the last one built is the one being served."""
    app, current = _hubspot_server
    stores: list[StateStore] = []

    def build(sandbox: HubSpotSandbox, target: DbTarget | None = None) -> HubSpotOrg:
        stores.append(target.open_store() if target else _sqlite(tmp_path, len(stores)))
        current.sandbox = sandbox
        return HubSpotOrg(sandbox, app, stores[-1], fake_time)

    yield build
    current.sandbox = None
    for store in stores:
        store.close()


@pytest.fixture(params=CRMS)
def crm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_org(
    crm: str,
    make_salesforce_org: Callable[..., SalesforceOrg],
    make_hubspot_org: Callable[..., HubSpotOrg],
) -> MakeOrg:
    """`make_org(orders=..., size=..., seed=..., target=..., **sandbox options)`.

    With `orders` (a tuple, possibly empty for the default contract): the worked example's
    one account holding them; otherwise `size` generated opportunities or deals."""

    def build(
        *,
        orders: tuple[GenOrder, ...] | None = None,
        size: int = 60,
        seed: int = 11,
        target: DbTarget | None = None,
        segment: str = "standard",
        **options: Any,
    ) -> Org:
        if crm == "salesforce":
            sandbox: Any = (
                worked_example_salesforce(*orders, segment=segment)
                if orders is not None
                else salesforce_sandbox(size, seed, **options)
            )
            return make_salesforce_org(sandbox, target)
        sandbox = (
            worked_example_hubspot(*orders, segment=segment)
            if orders is not None
            else hubspot_sandbox(size, seed, **options)
        )
        return make_hubspot_org(sandbox, target)

    return build


def _sqlite(tmp_path: Any, index: int) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path}/state-{index}.db")
