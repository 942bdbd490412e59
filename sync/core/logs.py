"""Structured JSON logs with a run id on every line, and no secret ever in them.

Secrets are scrubbed twice: every value the settings mark as secret is registered here and
replaced wherever it appears (in the message, in a field, inside an exception's text), and
token-shaped strings that were never registered (a Bearer header echoed back in an error, a
Salesforce session id) are masked by pattern. Scrubbing is the last processor before
rendering, so nothing added later escapes it.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO, cast

import structlog

MASK = "***"
_MIN_SECRET_LENGTH = 4

_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=!-]{8,}"),
    re.compile(
        # a key of its own (not the tail of an error code such as INVALID_SESSION_ID)
        r"(?i)((?<![A-Za-z0-9_])(?:access_token|refresh_token|client_secret|session_id|password)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
    re.compile(r"\b(00D[A-Za-z0-9]{12,15}!)[A-Za-z0-9._]{20,}"),  # Salesforce session ids
    re.compile(r"\b(pat-[a-z0-9]{2,4}-)[0-9a-f-]{20,}"),  # HubSpot private-app tokens
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value in every log line from now on (short values would mask noise)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """The text with every registered secret and every token-shaped string masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: _scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    if isinstance(value, BaseException):
        return scrub(f"{type(value).__name__}: {value}")
    return value


def scrub_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets in every field, including rendered exceptions."""
    return {key: _scrub_value(value) for key, value in event_dict.items()}


def configure_logging(
    *, json: bool = True, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """JSON lines on stderr by default (what log shippers want); console rendering for humans."""
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            scrub_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )


class _CurrentStderr(io.TextIOBase):
    """Whatever `sys.stderr` is when a line is written, not when logging was configured
    (a test runner or a daemoniser may swap it; a stale handle would be closed)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@contextmanager
def bound_run(run_id: str, **context: Any) -> Iterator[None]:
    """Every log line inside the block carries `run_id` (and the extra context)."""
    with structlog.contextvars.bound_contextvars(run_id=run_id, **context):
        yield


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
