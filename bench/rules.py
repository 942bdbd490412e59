"""Benchmark of the contract rules: parse and evaluate rates, and peak memory.

Generates N subscriptions with realistic chains (a new order with several brick kinds, mid-term
upgrades, renewals, an occasional recast or termination) in batches, parses each batch with
pydantic (the boundary, one TypeAdapter call per subscription: one call per whole batch
measured slower, and made the evaluation after it slower too) and evaluates it subscription by
subscription with `evaluate_subscription`, then drops it, so memory stays flat however large
N is. Parse and evaluate are timed separately in CPU seconds of this one process (one core:
on a shared machine, wall time would also count the time other jobs hold the core);
generation of the raw records is not timed. Repeat, and read best and median.

    .venv/bin/python bench/rules.py                      # N = 10k, 100k, 1M
    .venv/bin/python bench/rules.py -n 100000 --repeat 5 # one size, best and median of 5
    .venv/bin/python bench/rules.py --tuned-gc           # parse with an application's GC tuning
    .venv/bin/python bench/rules.py --processes 2        # evaluate on 2 processes (not one core)
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import TypeAdapter

from contract_rules import Order, RuleSettings, evaluate_subscription

AS_OF = date(2026, 9, 1)
BATCH = 2_000
PRODUCTS = ("Analytics", "Reporting", "Storage")
ORDERS = TypeAdapter(list[Order])
Record = dict[str, Any]


@dataclass(slots=True)
class Figures:
    """Accumulated timings of one run."""

    subscriptions: int = 0
    orders: int = 0
    parse_seconds: float = 0.0
    evaluate_seconds: float = 0.0
    renewals: int = 0
    errors: int = 0


def _lines(rng: random.Random, seats: int) -> list[Record]:
    plan = {"sku": "GROWTH", "kind": "plan", "quantity": 1, "unit_price": "12000"}
    plan["discounts"] = [
        {"percent": "10", "kind": "recurring"},
        {"amount": "1000", "kind": "one_time"},
    ]
    seat = {"sku": "SEAT", "kind": "subscription", "quantity": seats, "unit_price": "300"}
    seat["discounts"] = [{"percent": str(rng.choice((0, 5, 10))), "kind": "recurring"}]
    return [
        plan,
        seat,
        {"sku": "ONBOARDING", "kind": "one_time", "quantity": 1, "unit_price": "5000"},
        {"sku": "API", "kind": "usage", "quantity": 1, "unit_price": "0", "precommit": "6000"},
        {"sku": "OVERAGE", "kind": "usage", "quantity": 1, "unit_price": "0.02"},
    ]


def _order(oid: str, kind: str, start: date, end: date | None, **extra: Any) -> Record:
    record: Record = {"id": oid, "type": kind, "start_date": start.isoformat()}
    record["end_date"] = end.isoformat() if end else None
    return {**record, **extra}


def subscription(rng: random.Random, index: int) -> list[Record]:
    """The raw orders of one subscription: new, upgrades, renewals, maybe a recast or end."""
    base = {"account_id": f"A-{index}", "product": PRODUCTS[index % 3]}
    start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1_200))
    end = start + timedelta(days=364)
    previous, seats = f"O-{index}-0", rng.randrange(5, 50)
    orders = [_order(previous, "new", start, end, lines=_lines(rng, seats), billed_to_date="20000")]
    for term in range(1, rng.randrange(1, 4)):
        up_day = start + timedelta(days=rng.randrange(30, 300))
        add = {"sku": "SEAT", "kind": "subscription", "quantity": rng.randrange(-3, 10) or 1}
        add["unit_price"] = "300"
        orders.append(
            _order(f"O-{index}-{term}u", "upgrade", up_day, None, amends=previous, lines=[add])
        )
        start, end = end + timedelta(days=1), end + timedelta(days=365)
        renewal = _order(f"O-{index}-{term}", "renewal", start, end, amends=previous)
        previous, seats = renewal["id"], seats + 5
        orders.append({**renewal, "lines": _lines(rng, seats)})
    orders += _ending(rng, index, previous, start, end)
    return [{**base, **o} for o in orders]


def _ending(rng: random.Random, index: int, previous: str, start: date, end: date) -> list[Record]:
    roll = rng.random()
    if roll < 0.05:
        day = start + timedelta(days=rng.randrange(1, 300))
        plan = [{"sku": "ENTERPRISE", "kind": "plan", "quantity": 1, "unit_price": "30000"}]
        recast_end = day + timedelta(days=364)
        return [_order(f"O-{index}-r", "recast", day, recast_end, amends=previous, lines=plan)]
    if roll < 0.10:
        return [_order(f"O-{index}-t", "termination", start, None, amends=previous)]
    return []


def batches(n: int, seed: int) -> Iterator[list[list[Record]]]:
    """Raw subscriptions, `BATCH` at a time."""
    rng = random.Random(seed)
    for first in range(0, n, BATCH):
        yield [subscription(rng, i) for i in range(first, min(n, first + BATCH))]


def run(n: int, seed: int = 7) -> Figures:
    """Parse and evaluate `n` subscriptions, batch by batch."""
    figures, settings = Figures(), RuleSettings()
    for batch in batches(n, seed):
        started = time.process_time()
        parsed = [ORDERS.validate_python(raw) for raw in batch]
        parsed_at = time.process_time()
        for orders in parsed:
            result = evaluate_subscription(orders, AS_OF, settings)
            figures.renewals += result.renewal is not None
            figures.errors += len(result.errors)
        figures.evaluate_seconds += time.process_time() - parsed_at
        figures.parse_seconds += parsed_at - started
        figures.subscriptions += len(parsed)
        figures.orders += sum(len(o) for o in parsed)
    return figures


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def report(n: int) -> Figures:
    """Print one line of figures for `n` subscriptions."""
    f = run(n)
    print(
        f"N={n:>9,}  orders={f.orders:>9,}  "
        f"evaluate {f.subscriptions / f.evaluate_seconds:>9,.0f} subs/s  "
        f"parse {f.subscriptions / f.parse_seconds:>8,.0f} subs/s  "
        f"end-to-end {f.subscriptions / (f.parse_seconds + f.evaluate_seconds):>8,.0f} subs/s  "
        f"peak RSS {_peak_rss_mb():6.1f} MB  (renewals {f.renewals:,}, errors {f.errors:,})",
        flush=True,
    )
    return f


def summary(n: int, runs: list[Figures]) -> None:
    """Best and median rates of repeated runs (other jobs share the machine)."""
    evaluate = [f.subscriptions / f.evaluate_seconds for f in runs]
    parse = [f.subscriptions / f.parse_seconds for f in runs]
    print(
        f"N={n:>9,}  {len(runs)} runs: evaluate best {max(evaluate):,.0f} "
        f"median {statistics.median(evaluate):,.0f} subs/s; "
        f"parse best {max(parse):,.0f} median {statistics.median(parse):,.0f} subs/s",
        flush=True,
    )


def parallel(n: int, processes: int) -> None:
    """Evaluate `n` subscriptions split over `processes` processes: throughput of the box."""
    started = time.perf_counter()  # wall time: the point is the whole box
    with ProcessPoolExecutor(processes) as pool:
        shares = list(pool.map(run, [n // processes] * processes, range(7, 7 + processes)))
    wall = time.perf_counter() - started
    done = sum(f.subscriptions for f in shares)
    per_process = [f.subscriptions / f.evaluate_seconds for f in shares]
    print(
        f"N={n:>9,}  {processes} processes: evaluate {sum(per_process):,.0f} subs/s "
        f"(sum of per-process rates), parse + evaluate + generation {done / wall:,.0f} subs/s wall",
        flush=True,
    )


def tune_gc() -> None:
    """What a batch application may do: freeze start-up objects out of the collector's way and
    collect the young generation less often. Parsing builds many small container objects
    (every order, line and discount, and their tuples), so the default thresholds make the
    collector run, and re-walk the live batch, many times per batch."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def main(argv: list[str] | None = None) -> None:
    """Run the sizes asked for (default 10k, 100k, 1M)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("-n", type=int, action="append", help="subscriptions (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (best, median)")
    parser.add_argument("--tuned-gc", action="store_true", help="application GC tuning")
    parser.add_argument("--processes", type=int, default=1, help="evaluate on P processes")
    args = parser.parse_args(argv)
    sizes = args.n or [10_000, 100_000, 1_000_000]
    if args.tuned_gc:
        tune_gc()
    gc_note = "tuned GC (gc.freeze, threshold 50,000)" if args.tuned_gc else "default GC"
    print(
        f"python {sys.version.split()[0]}, as of {AS_OF}, batches of {BATCH:,}, {gc_note}, "
        "rules in pure Python"
    )
    for n in sizes:
        if args.processes > 1:
            parallel(n, args.processes)
            continue
        runs = [report(n) for _ in range(args.repeat)]
        if args.repeat > 1:
            summary(n, runs)


if __name__ == "__main__":
    main()
