"""Typed settings: environment, a secrets directory and an optional TOML file.

Precedence, highest first: explicit arguments, environment variables, files in the secrets
directory (one file per variable, as Docker and Kubernetes mount them), the TOML file named
by RENEWAL_SYNC_CONFIG. Everything is validated across fields at load, so a missing
credential or a bad database URL fails at start-up, before any API call, with the name of
the variable to set. Secret values are `SecretStr` and are registered with the log scrubber
the moment they are loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from contract_rules import HealthSettings, RuleSettings
from sync.core.logs import register_secret
from sync.settings_sources import ConfigFileError, explain, read_config_file

CONFIG_ENV = "RENEWAL_SYNC_CONFIG"
SECRETS_DIR_ENV = "RENEWAL_SYNC_SECRETS_DIR"
DEFAULT_DATABASE_URL = "sqlite:///.renewal-sync/state.db"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


CREDENTIALS_NEEDED: ContextVar[bool] = ContextVar("credentials_needed", default=True)
"""False while a read-only command loads settings: `runs`, `errors`, `health` and `report`
read only the state database and need no CRM credentials."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """What an operator configures. Field docs double as the reference in docs/operations.md."""

    model_config = SettingsConfigDict(
        env_prefix="RENEWAL_SYNC_", extra="forbid", populate_by_name=True, frozen=True
    )

    crm: Literal["salesforce", "hubspot"] = "salesforce"
    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=_env("DATABASE_URL", "RENEWAL_SYNC_DATABASE_URL")
    )
    mapping_file: Path | None = Field(
        None, description="Mapping YAML; the shipped default if unset"
    )
    interval_minutes: int = Field(15, ge=1, le=24 * 60, description="Minutes between daemon runs")
    reconcile_daily: bool = Field(
        True,
        description="The daemon reconciles once a day, after the day's first successful run",
    )
    api_budget_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Stop a run (deferred) once this share of the daily API allowance is used",
    )
    heartbeat_max_age_seconds: int = Field(
        3600, ge=10, description="`health --check` fails when the last heartbeat is older"
    )
    today: date | None = Field(
        None, description="Pin 'today' (tests and demos); the UTC date if unset"
    )
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="Serve Prometheus metrics on this port (daemon only)"
    )
    log_json: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    lookback_seconds: int = Field(
        300, ge=0, description="Each pull re-reads this much before its cursor (late commits)"
    )
    health_signals_from: Literal["crm", "hubspot"] = Field(
        "crm", description="Where tickets and NPS for health come from: the CRM itself or HubSpot"
    )
    signals_mapping_file: Path | None = Field(
        None, description="HubSpot mapping for health signals; the shipped default if unset"
    )
    health_match_on: Literal["domain", "match_key"] = Field(
        "domain", description="How accounts meet HubSpot companies: web domain or a shared key"
    )
    lapsed_window_days: int = Field(
        90, ge=0, description="A manual contract ended longer ago than this gets no renewal raised"
    )
    amount_ceiling: Decimal = Field(
        Decimal(1_000_000_000),
        gt=0,
        description="A renewal whose expected spend is above this is not written: it is "
        "reported as an error naming the record (a quantity or price typed wrong)",
    )
    raise_deleted_renewals: bool = Field(
        False,
        description="A renewal a person deleted in the CRM is raised again (default: it is "
        "left deleted and its contract reported, to terminate it or restore the renewal)",
    )
    evaluate_batch_orders: int = Field(
        5_000,
        ge=1,
        description="An org with more opportunities is evaluated this many at a time (whole "
        "accounts): the service's memory stays bounded whatever the org's size",
    )
    health_failed_runs: int = Field(
        3, ge=1, description="`health --check` fails when this many final runs in a row failed"
    )
    health_success_window_minutes: int = Field(
        0,
        ge=0,
        description="`health --check` fails when no run succeeded within this many minutes "
        "(0: three daemon intervals)",
    )
    alert_webhook_url: SecretStr | None = Field(
        None,
        description='POST a Slack-compatible {"text": ...} alert here (Slack, Teams, any '
        "receiver); a secret: its path holds the token",
    )
    alert_email_to: str | None = Field(
        None, description="Comma-separated addresses that get alerts by email (SMTP, STARTTLS)"
    )
    alert_email_from: str = Field("renewal-sync@localhost", description="Sender of alert emails")
    smtp_host: str | None = Field(None, description="SMTP server for alert emails")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (STARTTLS)")
    smtp_user: str | None = Field(None, description="SMTP login, if the server needs one")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    alert_rejected_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Alert when more than this share of a run's records was rejected",
    )
    rules: RuleSettings = Field(default_factory=RuleSettings, description="[rules] table")
    health: HealthSettings = Field(default_factory=HealthSettings, description="[health] table")

    sf_instance_url: str | None = Field(
        None, validation_alias=_env("SF_INSTANCE_URL", "sf_instance_url")
    )
    sf_login_url: str = Field(
        "https://login.salesforce.com", validation_alias=_env("SF_LOGIN_URL", "sf_login_url")
    )
    sf_api_version: str = Field("60.0", validation_alias=_env("SF_API_VERSION", "sf_api_version"))
    bulk_pull_threshold: int = Field(
        10_000, ge=0, description="Salesforce: a complete read of more rows is a Bulk API 2.0 "
        "query job (0: never)",
    )  # fmt: skip
    bulk_write_threshold: int = Field(
        2_000, ge=0, description="Salesforce: an upsert of more records is a Bulk API 2.0 "
        "ingest job (0: never)",
    )  # fmt: skip
    write_concurrency: int = Field(
        4, ge=1, le=16, description="Salesforce: write calls in flight at once, never two for "
        "one account (1: one after another)",
    )  # fmt: skip
    bulk_wait_seconds: float = Field(
        600, gt=0, description="Salesforce: a Bulk job still running after this is aborted "
        "and its records go through REST",
    )  # fmt: skip
    sf_client_id: str | None = Field(None, validation_alias=_env("SF_CLIENT_ID", "sf_client_id"))
    sf_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("SF_CLIENT_SECRET", "sf_client_secret")
    )
    sf_username: str | None = Field(None, validation_alias=_env("SF_USERNAME", "sf_username"))
    sf_private_key_file: Path | None = Field(
        None, validation_alias=_env("SF_PRIVATE_KEY_FILE", "sf_private_key_file")
    )
    sf_access_token: SecretStr | None = Field(
        None, validation_alias=_env("SF_ACCESS_TOKEN", "sf_access_token")
    )

    hubspot_access_token: SecretStr | None = Field(
        None, validation_alias=_env("HUBSPOT_ACCESS_TOKEN", "hubspot_access_token")
    )
    hubspot_api_host: str = Field(
        "https://api.hubapi.com", validation_alias=_env("HUBSPOT_API_HOST", "hubspot_api_host")
    )
    status_port: int | None = Field(
        None, ge=0, le=65535, description="Serve the status page, /healthz and /metrics here"
    )
    status_host: str = Field(
        "127.0.0.1", description="Where the status page listens; beyond loopback needs a token"
    )
    status_token: SecretStr | None = Field(
        None, description="Bearer token (or ?token=) the status page asks for"
    )
    hubspot_portal_id: int | None = Field(
        None, description="The portal (hub) id, for links to deal pages in `errors`"
    )
    hubspot_ten_second_limit: int = Field(
        100, ge=1, description="Calls per rolling ten seconds the portal's tier allows"
    )
    hubspot_search_per_second: int = Field(
        4, ge=1, description="HubSpot: CRM search calls per second (the search API's own limit)"
    )

    hubspot_rate_limit_budget_seconds: float = Field(
        600.0,
        gt=0,
        description="How long one run may wait in all for HubSpot's 429s (ten-second and "
        "per-second policies) before it gives up; each wait is what the 429 names",
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        _check_database_url(self.database_url)
        if CREDENTIALS_NEEDED.get():
            if self.crm == "salesforce":
                _check_salesforce(self)
            if self.crm == "hubspot" or self.health_signals_from == "hubspot":
                _check_hubspot(self)
        if self.alert_email_to and not self.smtp_host:
            raise ValueError(
                "RENEWAL_SYNC_ALERT_EMAIL_TO is set but RENEWAL_SYNC_SMTP_HOST is not: "
                "name the SMTP server that sends alert emails"
            )
        if (
            self.status_port is not None
            and self.status_host not in LOOPBACK
            and self.status_token is None
        ):
            raise ValueError(
                f"RENEWAL_SYNC_STATUS_HOST={self.status_host} exposes the status page beyond "
                "this host: set RENEWAL_SYNC_STATUS_TOKEN too (or keep the host 127.0.0.1)"
            )
        secrets = (
            self.status_token,
            self.sf_client_secret, self.sf_access_token, self.hubspot_access_token,
            self.alert_webhook_url, self.smtp_password,
        )  # fmt: skip
        for secret in secrets:
            if secret is not None:
                register_secret(secret.get_secret_value())
        return self

    @model_validator(mode="before")
    @classmethod
    def _enum_case(cls, data: Any) -> Any:
        """`log_level = "info"` and `RENEWAL_SYNC_CRM=HubSpot` mean what they say: a choice
        is matched without regard to case."""
        if not isinstance(data, dict):
            return data
        fixed = dict(data)
        for name, choices in _CHOICES.items():
            value = fixed.get(name)
            if isinstance(value, str):
                fixed[name] = next((c for c in choices if c.casefold() == value.casefold()), value)
        return fixed

    @field_validator("database_url")
    @classmethod
    def _postgres_driver(cls, url: str) -> str:
        """`postgres://` (Heroku, many hosts) and bare `postgresql://` mean PostgreSQL through
        the psycopg 3 driver the service ships with."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def salesforce_auth(self) -> Literal["jwt", "client_credentials", "token"]:
        """JWT bearer is preferred: no secret leaves the host, only a signed assertion."""
        if self.sf_client_id and self.sf_username and self.sf_private_key_file:
            return "jwt"
        if self.sf_client_id and self.sf_client_secret:
            return "client_credentials"
        return "token"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        sources.append(file_secret_settings)
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


_CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(info.annotation)
    for name, info in Settings.model_fields.items()
    if get_origin(info.annotation) is Literal
}


def _env_names() -> dict[str, tuple[str, ...]]:
    """Each setting -> the environment variables that set it (its aliases, or the prefix)."""
    names: dict[str, tuple[str, ...]] = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        given = alias.choices if isinstance(alias, AliasChoices) else ()
        env = tuple(str(c) for c in given if isinstance(c, str) and c.upper() == c)
        names[name] = env or (f"RENEWAL_SYNC_{name.upper()}",)
    return names


class SettingsError(Exception):
    """Bad configuration, explained: which setting, what is wrong, what to do."""


def _check_database_url(url: str) -> None:
    if not url.startswith(("sqlite:///", "postgresql", "postgres://")):
        raise ValueError(
            f"DATABASE_URL {url!r} is not supported: use sqlite:///path/to/state.db or "
            "postgresql+psycopg://user@host:5432/dbname"
        )


def _check_salesforce(settings: Settings) -> None:
    auth = settings.salesforce_auth
    if auth == "token" and not (settings.sf_instance_url and settings.sf_access_token):
        raise ValueError(
            "Salesforce credentials are missing: set SF_CLIENT_ID + SF_USERNAME + "
            "SF_PRIVATE_KEY_FILE (JWT bearer, preferred), or SF_CLIENT_ID + SF_CLIENT_SECRET "
            "(client credentials), or SF_INSTANCE_URL + SF_ACCESS_TOKEN (a session token)"
        )
    if settings.sf_private_key_file and not settings.sf_private_key_file.is_file():
        raise ValueError(
            f"SF_PRIVATE_KEY_FILE {settings.sf_private_key_file} is not a readable file"
        )


def _check_hubspot(settings: Settings) -> None:
    if settings.hubspot_access_token is None:
        raise ValueError(
            "HubSpot credentials are missing: "
            "set HUBSPOT_ACCESS_TOKEN to a private-app or OAuth token"
        )


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, credentials: bool = True
) -> Settings:
    """Load and validate settings, or raise SettingsError with one line per problem;
    `credentials=False` for commands that never call the CRM."""
    secrets_dir = os.environ.get(SECRETS_DIR_ENV)
    config_file = os.environ.get(CONFIG_ENV) or None
    token = CREDENTIALS_NEEDED.set(credentials)
    try:
        if config_file:
            read_config_file(config_file)
        return Settings(_secrets_dir=secrets_dir, **dict(overrides or {}))
    except ConfigFileError as error:
        raise SettingsError(f"renewal-sync cannot start: {error}") from None
    except ValidationError as error:
        explained = explain(
            error, fields=Settings.model_fields, env_names=_env_names(), config_file=config_file
        )
        raise SettingsError(explained) from None
    finally:
        CREDENTIALS_NEEDED.reset(token)
