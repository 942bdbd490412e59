"""The sandbox contract, checked by clients that are not ours: jsforce 3 and
@hubspot/api-client 13 under Node, each against a sandbox served by `renewal-sync sandbox
serve` in a process of its own, the way a customer's own scripts would meet a real org.

`tools/install-node-clients` (run by `make test` and `.ci/run`) installs the pinned packages
of `tests/node/package-lock.json` into a cache outside the checkout. Without Node or the cache
these tests skip, except where RENEWAL_SYNC_REQUIRE_NODE_CLIENTS=1 (CI) makes that a failure.
What each client checks is in its script; every check is a test of its own here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.served_process import served_process

HERE = Path(__file__).parent
CACHE = Path(
    os.environ.get("RENEWAL_SYNC_NODE_CLIENTS")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "renewal-sync-node"
)
MODULES = CACHE / "node_modules"
REQUIRED = os.environ.get("RENEWAL_SYNC_REQUIRE_NODE_CLIENTS") == "1"

JSFORCE_CHECKS = (
    "versions", "query_paging", "query_all_and_deleted", "soql_admins_write", "describe",
    "create_and_update_arrays", "upsert_arrays", "retrieve_many", "composite_and_tree",
    "identity", "limits", "errors", "updated_since",
)  # fmt: skip
HUBSPOT_CHECKS = (
    "search_paging", "search_filters", "get_all_pages", "batch_upsert", "associations",
    "pipelines", "products_and_owners", "tasks", "errors", "rate_limit_headers",
)  # fmt: skip


def _node() -> str:
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node is not on PATH")
    for package in ("jsforce", "@hubspot/api-client"):
        if not (MODULES / package / "package.json").is_file():
            missing.append(f"{package} is not installed in {MODULES}")
    if missing:
        reason = "; ".join(missing) + ": run tools/install-node-clients"
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    assert node is not None
    return node


def _run(script: str, env: dict[str, str]) -> dict[str, Any]:
    node = _node()
    answer = subprocess.run(
        [node, str(HERE / script)],
        env={**os.environ, **env, "NODE_PATH": str(MODULES)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = answer.stdout.strip().splitlines()
    assert lines, f"{script} printed nothing: {answer.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


@pytest.fixture(scope="module")
def jsforce_results() -> Iterator[dict[str, Any]]:
    _node()
    # 500 accounts make about 2,200 opportunities: more than one 2,000-row query page
    with served_process("salesforce", "REQUESTS_CA_BUNDLE", accounts=500) as env:
        trusted = {**env, "NODE_EXTRA_CA_CERTS": env["REQUESTS_CA_BUNDLE"]}
        yield _run("jsforce_contract.cjs", trusted)


@pytest.fixture(scope="module")
def hubspot_results() -> Iterator[dict[str, Any]]:
    _node()
    with served_process("hubspot", "HUBSPOT_API_HOST", accounts=60) as env:
        yield _run("hubspot_contract.cjs", env)


def _outcome(results: dict[str, Any], check: str) -> None:
    failed = {f["name"]: f["error"] for f in results["failed"]}
    assert check not in failed, failed[check]
    assert check in results["passed"], f"{check} did not run"


@pytest.mark.slow
@pytest.mark.parametrize("check", JSFORCE_CHECKS)
def test_jsforce_finds_no_difference(jsforce_results: dict[str, Any], check: str) -> None:
    _outcome(jsforce_results, check)


@pytest.mark.slow
@pytest.mark.parametrize("check", HUBSPOT_CHECKS)
def test_the_hubspot_node_client_finds_no_difference(
    hubspot_results: dict[str, Any], check: str
) -> None:
    _outcome(hubspot_results, check)


@pytest.mark.slow
def test_every_check_the_scripts_hold_is_a_test_here(
    jsforce_results: dict[str, Any], hubspot_results: dict[str, Any]
) -> None:
    ran = {f["name"] for f in jsforce_results["failed"]} | set(jsforce_results["passed"])
    assert ran == set(JSFORCE_CHECKS)
    ran = {f["name"] for f in hubspot_results["failed"]} | set(hubspot_results["passed"])
    assert ran == set(HUBSPOT_CHECKS)
