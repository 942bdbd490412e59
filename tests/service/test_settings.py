"""Settings fail at start-up with the variable to set, and secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.core.logs import scrub
from sync.settings import CONFIG_ENV, SECRETS_DIR_ENV, SettingsError, load_settings

_CREDENTIAL_VARS = (
    "SF_INSTANCE_URL",
    "SF_ACCESS_TOKEN",
    "SF_CLIENT_ID",
    "SF_CLIENT_SECRET",
    "SF_USERNAME",
    "SF_PRIVATE_KEY_FILE",
    "HUBSPOT_ACCESS_TOKEN",
    "DATABASE_URL",
    CONFIG_ENV,
    SECRETS_DIR_ENV,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)


def test_missing_salesforce_credentials_name_every_way_to_fix_it() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "SF_PRIVATE_KEY_FILE" in message
    assert "SF_CLIENT_SECRET" in message
    assert "SF_ACCESS_TOKEN" in message


def test_token_from_the_environment_is_secret_and_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SF_INSTANCE_URL", "https://example.my.salesforce.com")
    monkeypatch.setenv("SF_ACCESS_TOKEN", "tok-very-secret-123")
    settings = load_settings()
    assert settings.salesforce_auth == "token"
    assert "tok-very-secret-123" not in repr(settings)
    assert scrub("auth failed for tok-very-secret-123") == "auth failed for ***"


def test_client_credentials_from_a_secrets_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "SF_CLIENT_SECRET").write_text("from-a-file-secret")
    monkeypatch.setenv(SECRETS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("SF_CLIENT_ID", "3MVG9-client")
    settings = load_settings()
    assert settings.salesforce_auth == "client_credentials"
    assert settings.sf_client_secret is not None
    assert settings.sf_client_secret.get_secret_value() == "from-a-file-secret"


def test_jwt_is_preferred_and_needs_a_readable_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SF_CLIENT_ID", "3MVG9-client")
    monkeypatch.setenv("SF_USERNAME", "integration@example.com")
    monkeypatch.setenv("SF_PRIVATE_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(SettingsError, match=r"SF_PRIVATE_KEY_FILE .* is not a readable file"):
        load_settings()
    (tmp_path / "missing.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    assert load_settings().salesforce_auth == "jwt"


def test_hubspot_needs_its_token() -> None:
    with pytest.raises(SettingsError, match="HUBSPOT_ACCESS_TOKEN"):
        load_settings({"crm": "hubspot"})


def test_unsupported_database_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-0000")
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    with pytest.raises(
        SettingsError, match="DATABASE_URL 'mysql://root@localhost/db' is not supported"
    ):
        load_settings({"crm": "hubspot"})


def test_toml_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "renewal-sync.toml"
    config.write_text('crm = "hubspot"\ninterval_minutes = 30\napi_budget_share = 0.25\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-0000")
    monkeypatch.setenv("RENEWAL_SYNC_INTERVAL_MINUTES", "5")
    settings = load_settings()
    assert (settings.crm, settings.interval_minutes, settings.api_budget_share) == (
        "hubspot",
        5,
        0.25,
    )


def test_unknown_setting_in_the_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "renewal-sync.toml"
    config.write_text('crm = "hubspot"\nintervl_minutes = 30\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-0000")
    with pytest.raises(SettingsError, match="intervl_minutes"):
        load_settings()


def test_unknown_setting_names_file_line_and_the_setting_meant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "renewal-sync.toml"
    config.write_text('# renewal-sync\ncrm = "hubspot"\ninterval_minuts = 30\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-0000")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).splitlines()[1:] == [
        f"  - {config}:3: interval_minuts: unknown setting `interval_minuts`; "
        "did you mean `interval_minutes`?"
    ]


def test_a_named_config_file_that_does_not_exist_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError) as error:
        load_settings(credentials=False)
    assert str(error.value) == (
        f"renewal-sync cannot start: RENEWAL_SYNC_CONFIG names {tmp_path / 'missing.toml'}, "
        "which does not exist: create it (config/renewal-sync.example.toml is a start) or "
        "unset RENEWAL_SYNC_CONFIG"
    )


def test_a_toml_syntax_error_names_the_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "renewal-sync.toml"
    config.write_text('crm = "hubspot"\ninterval_minutes = = 5\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    with pytest.raises(SettingsError) as error:
        load_settings(credentials=False)
    assert str(error.value).startswith(f"renewal-sync cannot start: {config}: not valid TOML: ")
    assert "line 2" in str(error.value)


def test_choices_are_matched_without_regard_to_case(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "renewal-sync.toml"
    config.write_text('log_level = "info"\nhealth_match_on = "Domain"\n')
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("RENEWAL_SYNC_CRM", "HubSpot")
    settings = load_settings(credentials=False)
    assert (settings.log_level, settings.crm, settings.health_match_on) == (
        "INFO",
        "hubspot",
        "domain",
    )


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENEWAL_SYNC_CRM", "zoho")
    with pytest.raises(SettingsError) as error:
        load_settings(credentials=False)
    assert "  - RENEWAL_SYNC_CRM=zoho: crm: Input should be 'salesforce' or 'hubspot'" in str(
        error.value
    )


def test_a_bad_secret_value_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENEWAL_SYNC_SMTP_PORT", "not-a-port")
    monkeypatch.setenv("RENEWAL_SYNC_ALERT_WEBHOOK_URL", "https://hooks.example/T0/B0/s3cr3t")
    with pytest.raises(SettingsError) as error:
        load_settings(credentials=False)
    assert "RENEWAL_SYNC_SMTP_PORT=not-a-port: smtp_port" in str(error.value)
    assert "s3cr3t" not in str(error.value)


@pytest.mark.parametrize(
    "given",
    ["postgres://rs@db.example:5432/state", "postgresql://rs@db.example:5432/state"],
)
def test_postgres_urls_mean_postgresql_through_psycopg(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    settings = load_settings(credentials=False)
    assert settings.database_url == "postgresql+psycopg://rs@db.example:5432/state"
