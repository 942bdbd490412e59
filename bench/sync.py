"""Benchmark a sync the way it runs: `renewal-sync sync --once` in its own process against a
sandbox served from this one, for each kind of run: full (a new org), incremental with 1 %
of the opportunities changed by a person, and nothing changed.

Printed per run: status; API calls next to the floor (REST: per stream ceil(rows / 2,000),
at least one, plus ceil(records written / 200) per kind and the login; Bulk jobs apart, each
counted with its calls); the service's CPU seconds (wait4) and peak RSS (the child's own
VmHWM); the state database's size; the batches of accounts the run evaluated; and the
wall time the calls would take at 100 ms each, reads one after another and Salesforce
writes `--concurrency` (the service's write_concurrency, 4) at a time. Figures, not
assertions.

    .venv/bin/python bench/sync.py                       # 10k and 100k opportunities
    .venv/bin/python bench/sync.py --sizes 5000,25000    # the memory ratio the issue asks for
    .venv/bin/python bench/sync.py --sizes 1000000       # the 1M org (hours, ~20 GB of sandbox)
    .venv/bin/python bench/sync.py --crm hubspot --sizes 10000

Salesforce reads and writes through Bulk API 2.0 above the service's thresholds (10,000 rows
for a complete read, 2,000 records for a write); `--no-bulk` measures REST alone.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_sandbox.clock import SandboxClock
from crm_sandbox.datagen import generate
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp, serve_in_thread
from mappings import load_default
from mappings.streams import streams as mapped_streams
from sync.state import StateStore

TODAY = date(2026, 11, 21)
QUERY_PAGE, WRITE_BATCH, HS_PAGE, HS_BATCH = 2000, 200, 200, 100
CALL_SECONDS = 0.1
SERVICE = [sys.executable, "-m", "sync.cli.main", "sync", "--once"]


@dataclass
class Measured:
    status: str
    calls: dict[str, int]
    cpu: float
    rss_mib: float
    wall: float
    stats: dict[str, Any]


def run_service(env: dict[str, str]) -> tuple[int, float, float, float]:
    """One `sync --once` child: exit code, CPU seconds, peak RSS in MiB, wall seconds.

    The peak is the child's own high-water mark (VmHWM), sampled until it exits: wait4's
    ru_maxrss would not do, because Linux carries the parent's peak over the exec that
    starts the child, and this parent holds the whole sandbox."""
    started = time.perf_counter()
    child = subprocess.Popen(SERVICE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        peak_kib = max(peak_kib, _high_water_kib(child.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    if child.stderr is not None:
        tail = child.stderr.read().decode(errors="replace")[-2000:]
        if os.waitstatus_to_exitcode(status) not in (0,):
            print(tail, file=sys.stderr)
    return (
        os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
        peak_kib / 1024, wall,
    )  # fmt: skip


def _high_water_kib(pid: int) -> int:
    """The process's peak resident set so far (`VmHWM` in /proc/PID/status), 0 once gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


_READS = ("/query", "/queryAll", "/jobs/query", "/search", "/oauth2/token", "/batch/read")


def modeled_seconds(calls: dict[str, int], concurrency: int) -> float:
    """The wall time of `calls` at CALL_SECONDS each: reads one after another, writes
    `concurrency` at a time (the service's waves; HubSpot writes one at a time)."""
    reads = sum(n for k, n in calls.items() if k.startswith("GET") or k.endswith(_READS))
    writes = sum(calls.values()) - reads
    return (reads + math.ceil(writes / max(1, concurrency))) * CALL_SECONDS


def floor(stats: dict[str, Any], crm: str, page: int, batch: int) -> int:
    """The least any client could call: one query per stream at least (HubSpot: and its
    list of archived records, which search never returns), pages of `page` rows, writes in
    batches of `batch`, and the login."""
    names = [s.name for s in mapped_streams(load_default(crm))]
    pulled = [int(stats.get(f"pulled.{n}", 0) or 0) for n in names]
    written = [int(v) for k, v in stats.items() if k.startswith("written.") and v]
    archived = len(names) - 1 if crm == "hubspot" else 0  # owners come from a list
    return (
        sum(max(1, math.ceil(v / page)) for v in pulled)
        + archived
        + sum(math.ceil(v / batch) for v in written)
        + 1
    )


def change_one_percent_salesforce(sandbox: SalesforceSandbox, seed: int) -> int:
    """A person edits 1 % of the opportunities (their billed-to-date), as a day brings."""
    rows = [r for r in sandbox.records("Opportunity") if not r.get("Renewal_Sync_Key__c")]
    picked = random.Random(seed).sample(rows, max(1, len(rows) // 100))
    opportunity = sandbox.schema.object("Opportunity")
    for row in picked:
        sandbox.writer.update(opportunity, row["Id"], {"Billed_To_Date__c": 1.0})
    return len(picked)


def change_one_percent_hubspot(portal: HubSpotSandbox, seed: int) -> int:
    deals = [d for d in portal.records("deals") if not d.props.get("renewal_sync_key")]
    picked = random.Random(seed).sample(deals, max(1, len(deals) // 100))
    with portal.portal.lock:
        store = portal.state.store("deals")
        for deal in picked:
            store.apply(deal, {"billed_to_date": "1"}, portal.clock.now())
        portal.state.search_cache.clear()
    return len(picked)


def bench(crm: str, size: int, workdir: Path, *, bulk: bool, concurrency: int) -> None:
    started = time.perf_counter()
    clock = SandboxClock.wall()
    dataset = generate(size, seed=7, today=TODAY)
    if crm == "salesforce":
        sandbox: Any = SalesforceSandbox(clock=clock, seed=7, daily_limit=10_000_000)
        sandbox.load(dataset)
        served: ServedApp = serve_in_thread(sandbox.wsgi_app, tls_dir=workdir / f"tls-{size}")
        env = {
            "RENEWAL_SYNC_CRM": "salesforce", "SF_INSTANCE_URL": served.url,
            "SF_LOGIN_URL": served.url, "SF_CLIENT_ID": sandbox.client_id,
            "SF_CLIENT_SECRET": sandbox.client_secret, "REQUESTS_CA_BUNDLE": str(served.ca_bundle),
        }  # fmt: skip
        if not bulk:
            env |= {
                "RENEWAL_SYNC_BULK_PULL_THRESHOLD": "0",
                "RENEWAL_SYNC_BULK_WRITE_THRESHOLD": "0",
            }
        page, batch = QUERY_PAGE, WRITE_BATCH
        change: Any = change_one_percent_salesforce
    else:
        sandbox = HubSpotSandbox(seed=7, clock=clock, ten_second_limit=100_000, daily_limit=10**7)
        sandbox.load(dataset)
        served = serve_in_thread(sandbox.wsgi_app)
        env = {
            "RENEWAL_SYNC_CRM": "hubspot", "HUBSPOT_ACCESS_TOKEN": sandbox.token,
            "HUBSPOT_API_HOST": served.url, "RENEWAL_SYNC_HUBSPOT_TEN_SECOND_LIMIT": "100000",
        }  # fmt: skip
        page, batch, change = HS_PAGE, HS_BATCH, change_one_percent_hubspot
    database = workdir / f"state-{crm}-{size}.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SF_", "HUBSPOT_"))},
        **env, "DATABASE_URL": f"sqlite:///{database}", "RENEWAL_SYNC_TODAY": TODAY.isoformat(),
        "RENEWAL_SYNC_API_BUDGET_SHARE": "1.0", "RENEWAL_SYNC_LOG_LEVEL": "WARNING",
        # the daemon's runs are 15 minutes apart, longer than its 5-minute lookback; here
        # they are seconds apart, so the lookback is 1 s and each run waits 2 s for the last
        "RENEWAL_SYNC_LOOKBACK_SECONDS": "1",
        "RENEWAL_SYNC_WRITE_CONCURRENCY": str(concurrency),
    }  # fmt: skip
    print(f"\n{size:,} opportunities, {crm} (generated and loaded in "
          f"{time.perf_counter() - started:.0f}s)")  # fmt: skip
    print(f"  {'run':<13} {'status':<10} {'calls':>7} {'floor':>6} {'bulk jobs':>9} "
          f"{'CPU s':>7} {'peak RSS':>9} {'state DB':>9} {'wall s':>7} {'modeled':>8} "
          f"{'batches':>7}")  # fmt: skip
    try:
        for kind in ("full", "read back", "1% changed", "nothing"):
            time.sleep(2)
            if kind == "1% changed":
                change(sandbox, 11)
            sandbox.ledger.reset()
            code, cpu, rss, wall = run_service(env)
            calls = dict(sandbox.ledger.snapshot())
            total = sum(calls.values())
            jobs = sum(v for k, v in calls.items() if k.startswith("POST") and "/jobs/" in k)
            stats = _last_stats(database)
            modeled = modeled_seconds(calls, concurrency if crm == "salesforce" else 1)
            print(f"  {kind:<13} {stats.get('status', code)!s:<10} {total:>7} "
                  f"{floor(stats, crm, page, batch):>6} {jobs:>9} {cpu:>7.1f} {rss:>6.0f} MiB "
                  f"{database.stat().st_size / 2**20:>5.0f} MiB {wall:>7.1f} "
                  f"{modeled:>7.0f}s {stats.get('batches', '-')!s:>7}")  # fmt: skip
            by_endpoint = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
            print(f"    calls: {by_endpoint}")
    finally:
        served.stop()


def _last_stats(database: Path) -> dict[str, Any]:
    store = StateStore.open(f"sqlite:///{database}")
    try:
        (run,) = store.runs.recent(limit=1)
        return {**run.stats, "status": run.status.value}
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--crm", choices=("salesforce", "hubspot"), default="salesforce")
    parser.add_argument("--no-bulk", action="store_true", help="Salesforce: REST only")
    parser.add_argument(
        "--concurrency", type=int, default=4,
        help="Salesforce write calls in flight (the service's write_concurrency)",
    )  # fmt: skip
    args = parser.parse_args()
    print(f"modeled: {CALL_SECONDS * 1000:.0f} ms per call, {args.concurrency} in flight; "
          "'read back': the run after a full one (it reads the service's writes back)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            bench(args.crm, size, Path(tmp), bulk=not args.no_bulk, concurrency=args.concurrency)


if __name__ == "__main__":
    main()
