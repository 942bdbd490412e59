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
class ServedApp:
    """A running sandbox server; `url` has the real port, `ca_bundle` is set when TLS is on."""

    url: str
    port: int
    ca_bundle: Path | None
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

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
    server = make_server(
        LOOPBACK, port, app, threaded=True, request_handler=_QuietHandler, ssl_context=ssl_context
    )
    scheme = "https" if ssl_context else "http"
    real_port = server.server_port
    return ServedApp(f"{scheme}://{LOOPBACK}:{real_port}", real_port, ca_bundle, server)


def serve_in_thread(app: Any, *, port: int = 0, tls_dir: Path | None = None) -> ServedApp:
    """Start serving in a daemon thread and return at once; call `stop()` when done."""
    served = start_server(app, port=port, tls_dir=tls_dir)
    thread = threading.Thread(target=served._server.serve_forever, name="sandbox", daemon=True)
    thread.start()
    served._thread = thread
    return served
