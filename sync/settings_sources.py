"""Where a setting came from, so a bad one is reported the way mapping errors are.

pydantic says *what* is wrong (`interval_minuts: Extra inputs are not permitted`); an admin
also needs *where* (the TOML file and line, or the environment variable) and *what to do*
(the setting they meant). This module reads the TOML file itself first, so a syntax error or
a missing file names the file, and turns each validation problem into one such line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mappings.problems import did_you_mean

HEADER = "renewal-sync cannot start, the settings are not valid:"
_TOML_KEY = re.compile(r"^\s*(?:\[\s*(?P<table>[A-Za-z0-9_.-]+)\s*\]|(?P<key>[A-Za-z0-9_-]+)\s*=)")


class ConfigFileError(Exception):
    """The named config file is missing or is not TOML: one line naming the file."""


def read_config_file(path: str) -> dict[str, Any]:
    """Parse the TOML file RENEWAL_SYNC_CONFIG names, or raise ConfigFileError saying why."""
    file = Path(path)
    if not file.is_file():
        raise ConfigFileError(
            f"RENEWAL_SYNC_CONFIG names {path}, which does not exist: create it "
            "(config/renewal-sync.example.toml is a start) or unset RENEWAL_SYNC_CONFIG"
        )
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigFileError(f"{path}: cannot be read: {error}") from None


def toml_lines(path: str) -> dict[str, int]:
    """Top-level key or table name -> its line in the file (1-based)."""
    lines: dict[str, int] = {}
    table: str | None = None
    text = Path(path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        found = _TOML_KEY.match(line)
        if found is None:
            continue
        if found["table"]:
            table = found["table"]
            lines.setdefault(table, number)
        elif table is None:
            lines.setdefault(found["key"], number)
        else:
            lines.setdefault(f"{table}.{found['key']}", number)
    return lines


def explain(
    error: ValidationError,
    *,
    fields: Iterable[str],
    env_names: Mapping[str, tuple[str, ...]],
    config_file: str | None,
) -> str:
    """One line per problem: where it was set, what is wrong, and a suggestion."""
    known = sorted(fields)
    lines = toml_lines(config_file) if config_file else {}
    out = [HEADER]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "settings"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = f"unknown setting `{key}`; {did_you_mean(key, known)}"
        where = _where(key, env_names, config_file, lines)
        out.append(f"  - {where}{key}: {message}")
    return "\n".join(out)


def _where(
    key: str,
    env_names: Mapping[str, tuple[str, ...]],
    config_file: str | None,
    lines: Mapping[str, int],
) -> str:
    """`VARIABLE=value: ` when the environment set it, `file:line: ` when the TOML did."""
    top = key.split(".", maxsplit=1)[0]
    for name in env_names.get(top, ()):
        for candidate in (name, name.upper()):
            if candidate in os.environ:
                return f"{candidate}={_shown(top, os.environ[candidate])}: "
    if config_file and (key in lines or top in lines):
        return f"{config_file}:{lines.get(key, lines.get(top))}: "
    return ""


def _shown(key: str, value: str) -> str:
    """An environment value as it may appear in an error: never a secret's."""
    secret = any(word in key for word in ("secret", "token", "password", "webhook", "key"))
    return "***" if secret else value
