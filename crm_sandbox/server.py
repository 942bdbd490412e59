"""Serve a sandbox WSGI app on loopback, in a background thread or in the foreground.

Werkzeug's threaded server is enough for a sandbox: one request per connection, TLS through
the standard `ssl` module. Tests start one per test on port 0 and read the real port back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from crm_sandbox.tls import make_loopback_certs

LOOPBACK = "127.0.0.1"


class DroppedConnectionError(ConnectionResetError):
    """Raised by a sandbox after it closed the socket, to emulate a lost response.

    Werkzeug treats connection errors as "the client went away" and writes nothing more,
    so the client sees the connection reset with no answer, after the write committed.
    """


def drop_connection(environ: dict[str, Any]) -> NoReturn:
    """Close the client's connection without an answer (the write behind it stays done)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise DroppedConnectionError("sandbox dropped the connection on purpose (lost_response fault)")


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the call ledger is the record of what was asked."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            super().log(type, message, *args)


@dataclass
class Traffic:
    """Requests applied one at a time (see `_one_at_a_time`), and the most that were in
    flight at once: how a test sees that a client really had several calls out."""

    in_flight: int = 0
    peak: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _count: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        """Forget the peak (a server serves one test's org after another's)."""
        with self._count:
            self.peak = self.in_flight

    def serve(self, app: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._count:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            with self._lock:
                return list(app(environ, start_response))
        finally:
            with self._count:
                self.in_flight -= 1


@dataclass
class ServedApp:
    """A running sandbox server; `url` has the real port, `ca_bundle` is set when TLS is on."""

    url: str
    port: int
    ca_bundle: Path | None
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    traffic: Traffic = field(default_factory=Traffic, repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(app: Any, *, port: int = 0, tls_dir: Path | None = None) -> ServedApp:
    """Bind on 127.0.0.1 (HTTPS when `tls_dir` is given) without serving yet."""
    ssl_context = None
    ca_bundle = None
    if tls_dir is not None:
        certs = make_loopback_certs(tls_dir)
        ssl_context = (str(certs.cert), str(certs.key))
        ca_bundle = certs.ca_bundle
    traffic = Traffic()
    server = make_server(
        LOOPBACK,
        port,
        _one_at_a_time(app, traffic),
        threaded=True,
        request_handler=_QuietHandler,
        ssl_context=ssl_context,
    )
    scheme = "https" if ssl_context else "http"
    real_port = server.server_port
    return ServedApp(
        f"{scheme}://{LOOPBACK}:{real_port}", real_port, ca_bundle, server, traffic=traffic
    )


def _one_at_a_time(app: Any, traffic: Traffic) -> Any:
    """The app with its requests applied one at a time. The server takes connections in
    threads (a client may have several calls in flight, as the service's writes do), while
    the emulators keep their state in plain dicts and indexes: each request is one
    transaction, as a real org or portal commits each call whole."""

    def serialized(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return traffic.serve(app, environ, start_response)

    return serialized


def serve_in_thread(app: Any, *, port: int = 0, tls_dir: Path | None = None) -> ServedApp:
    """Start serving in a daemon thread and return at once; call `stop()` when done."""
    served = start_server(app, port=port, tls_dir=tls_dir)
    thread = threading.Thread(target=served._server.serve_forever, name="sandbox", daemon=True)
    thread.start()
    served._thread = thread
    return served
