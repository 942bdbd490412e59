"""One HTTPS sandbox server per test session, answering for whichever test's org is current.

Stopping a werkzeug server waits for its poll interval (0.5 s), so a server per test would
dominate the run time; the sandboxes themselves stay one per test. Loaded as a pytest plugin
from tests/conftest.py; the `_server` fixture yields the served app and the switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crm_sandbox.server import ServedApp, serve_in_thread


class CurrentSandbox:
    """A WSGI app that forwards to the sandbox a test made current."""

    sandbox: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.sandbox is not None, "no sandbox is being served"
        return self.sandbox.wsgi_app(environ, start_response)


@pytest.fixture(scope="session")
def _server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedApp, CurrentSandbox]]:
    current = CurrentSandbox()
    with serve_in_thread(current, tls_dir=tmp_path_factory.mktemp("tls")) as app:
        yield app, current
