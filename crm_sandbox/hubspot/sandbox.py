"""`HubSpotSandbox`: the emulated portal plus the handles tests and benchmarks use.

Typical use::

    sandbox = HubSpotSandbox(clock=SandboxClock(datetime(2026, 1, 5, tzinfo=UTC)))
    sandbox.load(datagen.generate(1_000, seed=7, today=date(2026, 1, 5)))
    with serve_in_thread(sandbox.wsgi_app) as served:
        client = hubspot.HubSpot(access_token=sandbox.token, host=served.url)

Limits default to the Professional tier (190 calls per 10 s, 625,000 a day); pass `tier=` or
`ten_second_limit=`/`daily_limit=` to change them. The ten-second window runs on real monotonic
time unless `rate_clock=` is given; `advance_rate_window()` moves it on without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_sandbox._gen_catalog import PRODUCTS
from crm_sandbox.calls import CallLedger
from crm_sandbox.clock import SandboxClock
from crm_sandbox.faults import FaultPlan
from crm_sandbox.hubspot.app import HubSpotApp
from crm_sandbox.hubspot.associations import AssociationStore
from crm_sandbox.hubspot.auth import TokenBook
from crm_sandbox.hubspot.context import State
from crm_sandbox.hubspot.errors import CorrelationIds
from crm_sandbox.hubspot.loader import Loader, LoadReport
from crm_sandbox.hubspot.ratelimit import TIERS, RateLimiter
from crm_sandbox.hubspot.schema import PortalSchema, load_schema
from crm_sandbox.hubspot.store import Portal, Record
from crm_sandbox.records import AccountBundle, Dataset, GenProduct, GenUser

DEFAULT_TOKEN = "pat-na1-sandbox-0000-renewal-sync"  # noqa: S105 - a sandbox token, no secret
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class HubSpotSandbox:
    """A stateful HubSpot portal speaking CRM v3/v4 over WSGI (implements `base.Sandbox`)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: SandboxClock | None = None,
        tier: str = "professional",
        ten_second_limit: int | None = None,
        daily_limit: int | None = None,
        token: str = DEFAULT_TOKEN,
        rate_clock: Callable[[], float] | None = None,
        search_per_second: int | None = None,
        search_lag_seconds: float = 0.0,
        schema: PortalSchema | None = None,
    ) -> None:
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; use one of {', '.join(TIERS)}")
        self.clock = clock or SandboxClock(DEFAULT_START)
        self.ledger = CallLedger()
        self.faults = FaultPlan(seed)
        self.schema = schema or load_schema()
        self.tokens = TokenBook(token)
        per_ten, per_day = TIERS[tier]
        limiter_args: dict[str, Any] = {} if rate_clock is None else {"monotonic": rate_clock}
        if search_per_second is not None:
            limiter_args["search_per_second"] = search_per_second
        self.limiter = RateLimiter(
            ten_second_limit or per_ten,
            daily_limit or per_day,
            lambda: self.clock.now().date(),
            **limiter_args,
        )
        self.portal = Portal(self.schema)
        self.state = State(self.portal, AssociationStore(), self.clock, self.faults)
        self.state.search_lag = timedelta(seconds=search_lag_seconds)
        self.app = HubSpotApp(
            self.state, self.ledger, self.tokens, self.limiter, CorrelationIds(seed)
        )

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    # ---- data -------------------------------------------------------------------------------

    def load(self, dataset: Dataset) -> LoadReport:
        """Stream a generated dataset in (no API calls counted)."""
        from crm_sandbox.datagen import iter_accounts  # noqa: PLC0415 - optional heavy import

        return self.load_bundles(dataset.users, iter_accounts(dataset), dataset.products)

    def load_bundles(
        self,
        users: Iterable[GenUser],
        bundles: Iterable[AccountBundle],
        products: Iterable[GenProduct] = PRODUCTS,
    ) -> LoadReport:
        """The same as `load` for hand-built records (tests); the product library is the
        generator's catalogue unless a test names its own."""
        loader = Loader(self.state)
        loader.users(users)
        loader.products(products)
        return loader.bundles(bundles)

    def records(self, object_type: str, *, archived: bool = False) -> list[Record]:
        """Test helper: the stored records of one object type, in id order."""
        store = self.portal.stores[self.state.object_schema(object_type).name]
        with self.portal.lock:
            return [r for r in store.records.values() if r.archived == archived]

    def record(self, object_type: str, record_id: str | int) -> Record | None:
        store = self.portal.stores[self.state.object_schema(object_type).name]
        return store.records.get(int(record_id))

    def associated_ids(self, from_type: str, record_id: str | int, to_type: str) -> list[int]:
        schema = self.state.object_schema
        targets = self.state.associations.targets(
            schema(from_type).name, int(record_id), schema(to_type).name
        )
        return sorted(targets)

    # ---- auth and limits --------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.tokens.current

    def expire_token(self) -> None:
        """The current token answers 401 EXPIRED_AUTHENTICATION from now on."""
        self.tokens.expire()

    def issue_token(self, token: str) -> None:
        self.tokens.issue(token)

    def advance_rate_window(self, seconds: float = 10.0) -> None:
        """Let the ten-second window roll on without sleeping."""
        self.limiter.advance(seconds)

    # ---- wiring -----------------------------------------------------------------------------

    def env_exports(self, base_url: str, ca_bundle: str | None) -> dict[str, str]:
        """HUBSPOT_ACCESS_TOKEN and HUBSPOT_API_HOST for `hubspot.HubSpot(access_token=, host=)`.

        hubspot-api-client uses urllib3, which ignores REQUESTS_CA_BUNDLE; when served over TLS
        the CA goes in SSL_CERT_FILE, which OpenSSL's default verify paths read."""
        exports = {"HUBSPOT_ACCESS_TOKEN": self.token, "HUBSPOT_API_HOST": base_url}
        if ca_bundle:
            exports["SSL_CERT_FILE"] = ca_bundle
        return exports
