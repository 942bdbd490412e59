"""Benchmark the Salesforce sync: API calls and wall time of a full and a no-change run.

For each size, a sandbox org is generated, served over HTTPS on loopback, and synced twice
into a fresh SQLite state file. Printed next to each run's calls is the minimum possible:
reads = sum over streams of ceil(rows / 2,000) (at least one query per stream), writes =
sum over record kinds of ceil(records written / 200). Figures, not assertions.

    .venv/bin/python bench/sync.py                 # 1k, 10k, 100k opportunities
    .venv/bin/python bench/sync.py --sizes 1000     # one size
    .venv/bin/python bench/sync.py --crm hubspot --sizes 1000,10000

With `--crm hubspot` a HubSpot sandbox portal is served over plain HTTP instead, and the
minimum is HubSpot's: reads = ceil(rows / 200) per search stream and ceil(rows / 100) for the
owners list (at least one call each), writes = ceil(records written / 100) per record kind.
Association reads and creates (v4 batch, up to 1,000 / 2,000 inputs a call) and the list of
archived records are not in that minimum; the per-endpoint breakdown shows them. Neither side
paces the ten-second window here (both allow 100,000 calls), so wall time is the work alone.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import serve_in_thread
from mappings import load_default
from mappings.streams import streams as mapped_streams
from sync.connectors.hubspot import connect_hubspot
from sync.connectors.salesforce import connect_salesforce
from sync.core.logs import configure_logging
from sync.pipeline.run import RunResult, run_once
from sync.settings import Settings
from sync.state import StateStore

TODAY = date(2026, 11, 21)
QUERY_PAGE, WRITE_BATCH = 2000, 200


def minimum_reads(stats: dict[str, int], streams: int) -> int:
    pulled = [v for k, v in stats.items() if k.startswith("pulled.")]
    empty = streams - len(pulled)
    return sum(max(1, math.ceil(v / QUERY_PAGE)) for v in pulled) + max(0, empty)


def minimum_writes(stats: dict[str, int]) -> int:
    return sum(math.ceil(v / WRITE_BATCH) for k, v in stats.items() if k.startswith("written."))


def one_run(
    sandbox: SalesforceSandbox, settings: Settings, store: StateStore
) -> tuple[RunResult, float]:
    sandbox.ledger.reset()
    started = time.perf_counter()
    port = connect_salesforce(settings)
    result = run_once(
        settings, store, port, load_default("salesforce"), today=TODAY, clock=sandbox.clock.now
    )
    return result, time.perf_counter() - started


def bench(size: int, workdir: Path) -> None:
    clock = SandboxClock(datetime.combine(TODAY, clock_time(8, 0), tzinfo=UTC))
    sandbox = SalesforceSandbox(clock=clock, seed=7, daily_limit=10_000_000)
    started = time.perf_counter()
    sandbox.load(generate(size, seed=7, today=TODAY))
    load_s = time.perf_counter() - started
    served = serve_in_thread(sandbox.wsgi_app, tls_dir=workdir / f"tls-{size}")
    os.environ["REQUESTS_CA_BUNDLE"] = str(served.ca_bundle)
    settings = Settings(
        crm="salesforce", sf_instance_url=served.url, sf_login_url=served.url,
        sf_client_id=sandbox.client_id, sf_client_secret=sandbox.client_secret,
        database_url=f"sqlite:///{workdir}/state-{size}.db", today=TODAY, api_budget_share=1.0,
    )  # fmt: skip
    store = StateStore.open(settings.database_url)
    streams = len(mapped_streams(load_default("salesforce")))
    try:
        print(f"\n{size:,} opportunities (generated and loaded in {load_s:.1f}s)")
        print(
            f"  {'run':<10} {'status':<10} {'wall s':>8} {'reads':>7} {'min':>5} "
            f"{'writes':>7} {'min':>5}  records written"
        )
        for label in ("full", "no-change"):
            clock.advance(timedelta(minutes=10))
            result, wall = one_run(sandbox, settings, store)
            reads, writes = sandbox.ledger.reads, sandbox.ledger.writes
            written = sum(v for k, v in result.stats.items() if k.startswith("written."))
            print(
                f"  {label:<10} {result.status:<10} {wall:>8.1f} {reads:>7} "
                f"{minimum_reads(result.stats, streams) + 1:>5} {writes:>7} "
                f"{minimum_writes(result.stats):>5}  {written:,}"
            )
    finally:
        store.close()
        served.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process so far: {peak:,.0f} MB")


# ---- HubSpot ------------------------------------------------------------------------------

HS_SEARCH_PAGE, HS_LIST_PAGE, HS_WRITE_BATCH = 200, 100, 100
HS_LIST_STREAMS = frozenset({"pulled.user"})  # owners come from a list endpoint, not search
HS_STREAMS = len(mapped_streams(load_default("hubspot")))  # one per read concept, + tasks
NO_PACING = 100_000


def hubspot_minimum_reads(stats: dict[str, int]) -> int:
    pulled = {k: v for k, v in stats.items() if k.startswith("pulled.")}
    pages = sum(
        max(1, math.ceil(v / (HS_LIST_PAGE if k in HS_LIST_STREAMS else HS_SEARCH_PAGE)))
        for k, v in pulled.items()
    )
    return pages + max(0, HS_STREAMS - len(pulled))


def hubspot_minimum_writes(stats: dict[str, int]) -> int:
    return sum(math.ceil(v / HS_WRITE_BATCH) for k, v in stats.items() if k.startswith("written."))


def hubspot_one_run(
    portal: HubSpotSandbox, settings: Settings, store: StateStore
) -> tuple[RunResult, float]:
    portal.ledger.reset()
    started = time.perf_counter()
    port = connect_hubspot(settings)
    result = run_once(
        settings, store, port, load_default("hubspot"), today=TODAY, clock=portal.clock.now
    )
    return result, time.perf_counter() - started


def bench_hubspot(size: int, workdir: Path) -> None:
    clock = SandboxClock(datetime.combine(TODAY, clock_time(8, 0), tzinfo=UTC))
    portal = HubSpotSandbox(seed=7, clock=clock, ten_second_limit=NO_PACING, daily_limit=10_000_000)
    started = time.perf_counter()
    portal.load(generate(size, seed=7, today=TODAY))
    load_s = time.perf_counter() - started
    served = serve_in_thread(portal.wsgi_app)
    settings = Settings(
        crm="hubspot", hubspot_access_token=portal.token, hubspot_api_host=served.url,
        hubspot_ten_second_limit=NO_PACING, database_url=f"sqlite:///{workdir}/hs-{size}.db",
        today=TODAY, api_budget_share=1.0,
    )  # fmt: skip
    store = StateStore.open(settings.database_url)
    try:
        print(f"\n{size:,} deals, HubSpot (generated and loaded in {load_s:.1f}s)")
        print(
            f"  {'run':<10} {'status':<10} {'wall s':>8} {'reads':>7} {'min':>5} "
            f"{'writes':>7} {'min':>5}  records written"
        )
        for label in ("full", "no-change"):
            clock.advance(timedelta(minutes=10))
            result, wall = hubspot_one_run(portal, settings, store)
            reads, writes = portal.ledger.reads, portal.ledger.writes
            written = sum(v for k, v in result.stats.items() if k.startswith("written."))
            print(
                f"  {label:<10} {result.status:<10} {wall:>8.1f} {reads:>7} "
                f"{hubspot_minimum_reads(result.stats) + 1:>5} {writes:>7} "
                f"{hubspot_minimum_writes(result.stats):>5}  {written:,}"
            )
            calls = ", ".join(f"{k} {v}" for k, v in portal.ledger.snapshot().items())
            print(f"    calls by endpoint: {calls}")
    finally:
        store.close()
        served.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process so far: {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--crm", choices=("salesforce", "hubspot"), default="salesforce")
    args = parser.parse_args()
    configure_logging(level="WARNING")
    if args.crm == "hubspot":
        print("reads include the one token check; 'min' is the least any client could make")
        with tempfile.TemporaryDirectory() as tmp:
            for size in (int(s) for s in args.sizes.split(",")):
                bench_hubspot(size, Path(tmp))
        return
    print("reads include the one OAuth token call; 'min' is the least any client could make")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            bench(size, Path(tmp))


if __name__ == "__main__":
    main()
