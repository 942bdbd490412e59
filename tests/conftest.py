"""Fixtures every test folder may use, and the guard against testing a stale compiled build."""

import pytest

from tests.compiled_build import build_problem

pytest_plugins = ["tests.db_fixtures", "tests.served"]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once when the compiled rules do not match their sources.

    The rules are compiled with mypyc (setup.py) and an editable install puts the compiled
    modules beside the sources, where Python prefers them: after editing a rule, a plain
    `pytest` would test the old compiled code. `make install` / `make test` rebuild.
    """
    problem = build_problem()
    if problem is not None:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
