"""What every operational command does first: settings and mapping, or a clear exit 2."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from mappings import MappingError
from sync.core.logs import configure_logging
from sync.settings import Settings, SettingsError, load_settings
from sync.state import StateStore

CONFIG_EXIT = 2


def settings_or_exit(
    overrides: dict[str, Any] | None = None, *, read_only: bool = False
) -> Settings:
    """Load settings; on a problem print it and exit 2 before anything else happens.
    `read_only`: a command that reads only the state database needs no CRM credentials."""
    try:
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        settings = load_settings(given, credentials=not read_only)
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(CONFIG_EXIT) from None
    configure_logging(json=settings.log_json, level=settings.log_level)
    return settings


@contextmanager
def config_errors() -> Iterator[None]:
    """Turn a bad mapping file into its explained message and exit 2."""
    try:
        yield
    except MappingError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(CONFIG_EXIT) from None


DEBUG = {"on": False}
"""Set by the root `--debug` option: start-up failures show their traceback too."""


@contextmanager
def startup_errors(settings: Settings) -> Iterator[None]:
    """A state database that cannot be opened: one line naming it and the cause, exit 1
    (the traceback only under `--debug`)."""
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        if DEBUG["on"]:
            raise
        typer.echo(
            f"renewal-sync cannot open the state database ({scrub_url(settings.database_url)}): "
            f"{first_line(error)}. Check DATABASE_URL and that the database is reachable "
            "(run with --debug for the traceback).",
            err=True,
        )
        raise typer.Exit(1) from None


def scrub_url(url: str) -> str:
    """The database URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def first_line(error: BaseException) -> str:
    """An exception's message without the SQL and the background link SQLAlchemy adds."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def open_store(settings: Settings) -> StateStore:
    return StateStore.open(settings.database_url)


def open_read_only_store(settings: Settings) -> StateStore:
    """The state store for a read-only command: never creates a database or its tables; a
    database that is not a renewal-sync state store is one clear line and exit 2."""
    url = settings.database_url
    shown = scrub_url(url)
    parsed = make_url(url)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if on_disk and not Path(str(parsed.database)).is_file():
        typer.echo(
            f"no state database at {shown}: no run has happened with this DATABASE_URL "
            "(run `renewal-sync sync --once` first, or point DATABASE_URL at the service's)",
            err=True,
        )
        raise typer.Exit(CONFIG_EXIT)
    try:
        store = StateStore.open(url, run_migrations=False)
        tables = set(inspect(store.engine).get_table_names())
    except (SQLAlchemyError, OSError) as error:
        typer.echo(
            f"renewal-sync cannot open the state database ({shown}): {first_line(error)}", err=True
        )
        raise typer.Exit(1) from None
    if "alembic_version" not in tables or "runs" not in tables:
        store.close()
        typer.echo(
            f"the database at {shown} is not a renewal-sync state store (it has no `runs` "
            "table); point DATABASE_URL at the service's state database",
            err=True,
        )
        raise typer.Exit(CONFIG_EXIT)
    store.close()
    return StateStore.open(url)  # a renewal-sync store: bring its schema to head


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain aligned text table (what an admin reads in a terminal or a log)."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)


SANDBOX_EXTRA_HINT = "pip install 'renewal-sync[sandbox]' (make install does)"


def require_sandbox(command: str) -> None:
    """Exit 2 with what to install when the sandbox extra (crm_sandbox and Werkzeug) is missing.

    The service never imports the sandboxes; only `demo` and `sandbox serve` need them.
    """
    try:
        importlib.import_module("crm_sandbox.server")
    except ImportError as error:
        missing = error.name or "crm_sandbox"
        typer.echo(
            f"`renewal-sync {command}` needs the CRM sandboxes, and {missing!r} is not "
            f"installed: {SANDBOX_EXTRA_HINT}",
            err=True,
        )
        raise typer.Exit(CONFIG_EXIT) from None
