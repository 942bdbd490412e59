"""How fast the sandbox data generator streams, and whether its memory stays flat.

Each size runs in a fresh child process so its peak RSS is its own (a process's peak never
goes down, so measuring sizes one after the other in one process would hide a leak behind
the first big run). Flat streaming shows as the same peak for 10k and 1M opportunities.

    python bench/datagen.py                      # 10k, 100k, 1M
    python bench/datagen.py --sizes 10000,50000  # pick sizes
    python bench/datagen.py --tracemalloc        # also the Python heap peak (about 2x slower)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from typing import Any

from crm_sandbox.datagen import generate, iter_accounts

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def measure(size: int, *, seed: int, today: date, heap: bool) -> dict[str, Any]:
    """Generate `size` opportunities, consuming every record, and time it."""
    if heap:
        tracemalloc.start()
    started = time.perf_counter()
    counts = {"accounts": 0, "orders": 0, "lines": 0, "cases": 0, "nps": 0}
    for bundle in iter_accounts(generate(size, seed=seed, today=today)):
        counts["accounts"] += 1
        counts["orders"] += len(bundle.orders)
        counts["lines"] += sum(len(order.lines) for order in bundle.orders)
        counts["cases"] += len(bundle.cases)
        counts["nps"] += len(bundle.nps)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"size": size, "seconds": seconds, **counts}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if heap:
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return result


def run_child(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """One size in a fresh interpreter, so its peak memory is not the previous size's."""
    command = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
    command += ["--today", args.today.isoformat()] + (["--tracemalloc"] if args.tracemalloc else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def report(row: dict[str, Any]) -> str:
    records = row["accounts"] + row["orders"] + row["lines"] + row["cases"] + row["nps"]
    heap = f"  heap peak {row['heap_peak_mb']:7.1f} MB" if "heap_peak_mb" in row else ""
    return (
        f"{row['size']:>9,} opps  {row['seconds']:7.2f} s  "
        f"{row['orders'] / row['seconds']:>9,.0f} orders/s  "
        f"{records / row['seconds']:>10,.0f} records/s  "
        f"({row['accounts']:,} accounts, {row['lines']:,} lines, "
        f"{row['cases']:,} cases, {row['nps']:,} nps)  "
        f"peak RSS {row['peak_rss_mb']:7.1f} MB{heap}"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated opportunity counts",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 3, 14))
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the heap peak")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.child is not None:
        row = measure(args.child, seed=args.seed, today=args.today, heap=args.tracemalloc)
        print(json.dumps(row))
        return
    print(f"datagen: seed {args.seed}, today {args.today}, one core, one process per size")
    for size in (int(part.replace("_", "")) for part in args.sizes.split(",")):
        print(report(run_child(size, args)), flush=True)


if __name__ == "__main__":
    main()
