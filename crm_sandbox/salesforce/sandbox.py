"""SalesforceSandbox: one in-memory org behind a WSGI app that simple-salesforce talks to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm_sandbox.calls import CallLedger
from crm_sandbox.clock import SandboxClock
from crm_sandbox.faults import FaultPlan
from crm_sandbox.records import AccountBundle, Dataset
from crm_sandbox.salesforce.app import SalesforceApp
from crm_sandbox.salesforce.auth import Sessions, TokenEndpoint, load_public_key
from crm_sandbox.salesforce.bulk import BulkJobs
from crm_sandbox.salesforce.ids import IdFactory, checksum
from crm_sandbox.salesforce.limits import ApiAllowance
from crm_sandbox.salesforce.loader import Loader
from crm_sandbox.salesforce.org import Org
from crm_sandbox.salesforce.query import QueryService
from crm_sandbox.salesforce.schema import Schema
from crm_sandbox.salesforce.store import Row, Store
from crm_sandbox.salesforce.writes import Writer

DEFAULT_CLIENT_ID = "3MVG9sandbox.renewal-sync"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - a sandbox-only credential
DEFAULT_USERNAME = "integration@renewal-crm_sandbox"


class SalesforceSandbox:
    """A stateful Salesforce org emulator (REST API vXX.X) for tests, demos and benchmarks.

    Construct it, `load()` a dataset, serve `wsgi_app` with `crm_sandbox.server` (HTTPS on
    loopback, since simple-salesforce only speaks https) and point an unmodified
    `simple_salesforce.Salesforce(instance_url=..., session_id=...)` at it. Tests read the
    `ledger`, add `faults`, move the `clock`, change the `schema` and inspect `records()`.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: SandboxClock | None = None,
        daily_limit: int = 100_000,
        api_version: str = "60.0",
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        username: str = DEFAULT_USERNAME,
        jwt_public_key: str | bytes | None = None,
        schema_path: Path | None = None,
        amount_rollup: bool = True,
        fiscal_year_start_month: int = 1,
    ) -> None:
        self.clock = clock or SandboxClock.wall()
        self.ledger = CallLedger()
        self.faults = FaultPlan(seed)
        self.schema = Schema.from_yaml(schema_path)
        self.store = Store(self.schema)
        self.ids = IdFactory()
        self.api_version = api_version
        self.client_id, self.client_secret, self.username = client_id, client_secret, username
        self.org_id = "00DDn0000000001" + checksum("00DDn0000000001")
        self.integration_user_id = ""
        self.writer = Writer(
            self.schema,
            self.store,
            self.ids,
            self.clock,
            lambda: self.integration_user_id,
            amount_rollup=amount_rollup,
        )
        self.allowance = ApiAllowance(daily_limit)
        self.sessions = Sessions(self.org_id, seed)
        self._bootstrap()
        self.sessions.run_as = self.integration_user_id
        tokens = TokenEndpoint(
            self.sessions,
            client_id=client_id,
            client_secret=client_secret,
            run_as=lambda: self.integration_user_id,
            user_by_name=self.user_id,
            public_key=load_public_key(jwt_public_key) if jwt_public_key else None,
            now=lambda: datetime.now(UTC),
        )
        queries = QueryService(self.schema, self.store, api_version, fiscal_year_start_month)
        self.org = Org(
            self.schema,
            self.store,
            self.writer,
            queries,
            self.allowance,
            self.clock,
            self.faults,
            api_version,
            self.org_id,
            BulkJobs(),
        )
        self.bulk: BulkJobs = self.org.bulk
        self.app = SalesforceApp(self.org, self.ledger, self.sessions, tokens)

    def _bootstrap(self) -> None:
        """The org's own rows: the integration user and the standard price book."""
        user_obj = self.schema.object("User")
        self.integration_user_id = self.ids.new(user_obj.key_prefix)
        body = {
            "LastName": "Integration",
            "FirstName": "Renewal Sync",
            "Username": self.username,
            "Email": self.username,
        }
        created = self.writer.create(user_obj, body)
        row = self.store.table("User")[created]
        self.store.remove("User", created)
        self.store.put("User", {**row, "Id": self.integration_user_id, "IsActive": True})
        pricebook = self.writer.create(
            self.schema.object("Pricebook2"), {"Name": "Standard Price Book", "IsActive": True}
        )
        self.store.put(
            "Pricebook2", {**self.store.table("Pricebook2")[pricebook], "IsStandard": True}
        )
        self.standard_pricebook_id = pricebook

    # -- the Sandbox protocol -----------------------------------------------------------

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def load(self, dataset: Dataset, bundles: Iterable[AccountBundle] | None = None) -> None:
        """Insert a dataset (accounts streamed from datagen unless `bundles` are given)."""
        if bundles is None:
            from crm_sandbox.datagen import iter_accounts  # noqa: PLC0415 - optional heavy import

            bundles = iter_accounts(dataset)
        Loader(self).load(dataset, bundles)

    def env_exports(self, base_url: str, ca_bundle: str | None) -> dict[str, str]:
        """What `sandbox serve` prints as `export NAME=VALUE` lines."""
        exports = {
            "SF_INSTANCE_URL": base_url,
            "SF_LOGIN_URL": base_url,
            "SF_ACCESS_TOKEN": self.issue_token(),
            "SF_CLIENT_ID": self.client_id,
            "SF_CLIENT_SECRET": self.client_secret,
            "SF_USERNAME": self.username,
            "SF_API_VERSION": self.api_version,
        }
        if ca_bundle:
            exports["REQUESTS_CA_BUNDLE"] = ca_bundle
        return exports

    # -- helpers for tests --------------------------------------------------------------

    def issue_token(self, username: str | None = None) -> str:
        """A valid access token for a user (the integration user by default)."""
        user = self.user_id(username) if username else self.integration_user_id
        if user is None:
            raise KeyError(f"no user with username {username!r}")
        return self.sessions.issue(user)

    def expire_sessions(self) -> None:
        """Every issued token stops working (401 INVALID_SESSION_ID) until a new one is issued."""
        self.sessions.expire_all()

    def user_id(self, username: str) -> str | None:
        with self.store.lock:
            ids = self.store.find("User", "Username", username)
        return ids[0] if ids else None

    def records(self, sobject: str, *, include_deleted: bool = False) -> list[Row]:
        """Copies of the stored rows of one object, in creation order."""
        obj = self.schema.object(sobject)
        with self.store.lock:
            rows = list(self.store.table(obj.name).values())
        return [dict(r) for r in rows if include_deleted or not r.get("IsDeleted")]

    def record(self, record_id: str) -> Row | None:
        with self.store.lock:
            row = self.store.get(record_id)
        return dict(row) if row is not None else None

    @property
    def api_usage(self) -> int:
        return self.allowance.used
