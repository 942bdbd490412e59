"""The daemon's read-only status page: `/` for a person, `/healthz` and `/metrics` for machines.

Served with the standard library's WSGI server in a background thread when
`RENEWAL_SYNC_STATUS_PORT` is set; bound to loopback unless `status_host` says otherwise,
and then a `status_token` is required (settings refuse to start without one). The page is
plain HTML, no script and nothing fetched from the network, so it works on a locked-down
host and renders the same in any browser. Everything shown is read from the state database:
rendering it makes no CRM call.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from mappings import Mapping, MappingError
from sync.health import health_of
from sync.settings import Settings
from sync.state import StateStore
from sync.state.errors import RecordError

DUE_DAYS = 90
Clock = Callable[[], datetime]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class StatusPage:
    """A WSGI app over the daemon's store, mapping (re-read per page, as each run does) and
    metrics registry."""

    def __init__(
        self,
        settings: Settings,
        store: StateStore,
        mapping: Callable[[], Mapping],
        registry: CollectorRegistry,
        *,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.settings, self.store, self.mapping = settings, store, mapping
        self.registry, self.clock = registry, clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if environ.get("REQUEST_METHOD", "GET") not in {"GET", "HEAD"}:
            return _answer(start_response, "405 Method Not Allowed", "text/plain", b"read-only\n")
        if not self._allowed(environ):
            return _answer(start_response, "401 Unauthorized", "text/plain", b"token required\n")
        if path == "/healthz":
            problems = health_of(self.settings, self.store, self.clock()).problems
            status = "200 OK" if not problems else "503 Service Unavailable"
            body = ("healthy" if not problems else "unhealthy: " + "; ".join(problems)) + "\n"
            return _answer(start_response, status, "text/plain; charset=utf-8", body.encode())
        if path == "/metrics":
            return _answer(start_response, "200 OK", CONTENT_TYPE_LATEST,
                           generate_latest(self.registry))  # fmt: skip
        if path == "/":
            page = self.render().encode()
            return _answer(start_response, "200 OK", "text/html; charset=utf-8", page)
        return _answer(start_response, "404 Not Found", "text/plain", b"not found\n")

    def _allowed(self, environ: dict[str, Any]) -> bool:
        token = self.settings.status_token
        if token is None:
            return True
        expected = token.get_secret_value()
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        given = given or (parse_qs(str(environ.get("QUERY_STRING", ""))).get("token") or [""])[0]
        return hmac.compare_digest(given.encode(), expected.encode())

    def render(self) -> str:
        """The whole page as one HTML document."""
        now = self.clock()
        crm = self.settings.crm
        health = health_of(self.settings, self.store, now)
        runs = self.store.runs.recent(crm, limit=10)
        errors = self.store.errors.open(crm, limit=20, notes=False)
        needs_action = self.store.errors.count_open(crm)
        due = self.renewals_due(now.date())
        verdict = "healthy" if not health.problems else "unhealthy: " + "; ".join(health.problems)
        reported = next((r.stats for r in runs if r.stats.get("allowance_limit")), {})
        allowance = _allowance(reported)
        parts = [
            f"<h1>renewal-sync ({escape(crm)})</h1>",
            f'<p id="health" class="{"ok" if not health.problems else "bad"}">'
            f"{escape(verdict)}</p>",
            f'<p id="allowance">API allowance used: {escape(allowance)}</p>',
            "<h2>Last runs</h2>",
            _table("runs", ["run", "mode", "status", "started (UTC)", "API calls", "reason"],
                   [[r.run_id[:8], r.mode.value, r.status.value,
                     r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                     str(r.stats.get("api_calls", "")), r.error or ""] for r in runs]),
            f"<h2>Open errors that need action ({needs_action})</h2>",
            _table("errors", ["id", "code", "record", "seen", "message"],
                   [_error_row(e) for e in errors]),
            f"<h2>Renewals due in the next {DUE_DAYS} days ({len(due)})</h2>",
            _table("due", ["closes", "renewal", "amount"], due),
        ]  # fmt: skip
        generated = now.strftime("%Y-%m-%d %H:%M:%S UTC")
        return _PAGE.format(body="\n".join(parts), generated=escape(generated))

    def renewals_due(self, today: date) -> list[list[str]]:
        """Open renewals the service wrote that close within DUE_DAYS, soonest first, read
        from what it last wrote through the mapping's field names (closed ones left out)."""
        try:
            fields = self.mapping().write.get("renewal")
        except MappingError:  # a broken mapping is already a failed run row above
            return []
        if fields is None:
            return []

        def crm_field(name: str) -> str | None:
            spec = fields.fields.get(name)
            return spec.field if spec is not None else None

        close, amount, name = crm_field("close_date"), crm_field("amount"), crm_field("name")
        stage_spec = fields.fields.get("stage")
        stage = stage_spec.field if stage_spec is not None else None
        closed = {v for k, v in ((stage_spec.values or {}) if stage_spec else {}).items()
                  if k in {"won", "lost"}}  # fmt: skip
        horizon = today + timedelta(days=DUE_DAYS)
        due: list[tuple[date, str, str]] = []
        for written in self.store.written.of_type(self.settings.crm, "renewal"):
            closes = _day(written.payload.get(close or ""))
            if closes is None or not today <= closes <= horizon:
                continue
            if stage and written.payload.get(stage) in closed:
                continue
            label = str(written.payload.get(name or "") or written.external_key)
            due.append((closes, label, _money(written.payload.get(amount or ""))))
        return [[d.isoformat(), label, money] for d, label, money in sorted(due)]


def serve_status_page(app: StatusPage, host: str, port: int) -> WSGIServer:
    """Serve `app` on host:port in a daemon thread; returns the server (its port is real
    even when 0 was asked for)."""
    server = make_server(host, port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="status-page", daemon=True).start()
    return server


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the daemon logs JSON through structlog)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def _answer(start: StartResponse, status: str, kind: str, body: bytes) -> list[bytes]:
    start(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store")])  # fmt: skip
    return [body]


def _table(name: str, headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return f'<p id="{name}-empty" class="empty">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table id="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _error_row(error: RecordError) -> list[str]:
    seen = f"{error.attempts}x, last {error.last_seen_at:%Y-%m-%d %H:%M}"
    return [str(error.id), error.code, f"{error.object_type} {error.record_key}", seen,
            error.message]  # fmt: skip


def _allowance(stats: dict[str, Any]) -> str:
    used, limit = stats.get("allowance_used"), stats.get("allowance_limit")
    if not used or not limit:
        return "not reported yet"
    return f"{int(used):,} of {int(limit):,} ({int(used) / int(limit):.1%})"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}" if value not in (None, "") else ""
    except InvalidOperation:
        return str(value)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="30">
<title>renewal-sync status</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.ok {{ color: #176b2c; font-weight: bold; }} .bad {{ color: #a31515; font-weight: bold; }}
.empty {{ color: #777; }}
</style></head>
<body>
{body}
<p class="empty">generated {generated}; refreshes every 30 s</p>
</body></html>
"""
