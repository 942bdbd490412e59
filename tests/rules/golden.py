"""Golden data for the rules: varied generated subscriptions and what the rules made of them.

The golden files pin every result of `evaluate` and `evaluate_subscription` (the report plus
the exact `Decimal` strings, contracts and segments) for a few thousand subscriptions under
several settings, so a speed-up that changes one cent or one date fails `test_golden.py`.
The inputs are stored too, so changing this generator never silently changes the test.

    .venv/bin/python -m tests.rules.golden   # regenerate (only when a result SHOULD change)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from contract_rules import (
    Account,
    Contract,
    CreditPolicy,
    Evaluation,
    Order,
    OrdersInput,
    PricingMethod,
    RuleSettings,
    SubscriptionResult,
    UpgradeLines,
    evaluate,
    evaluate_subscription,
    evaluation_report,
    group_orders,
)

DATA = Path(__file__).parent / "data"
INPUT = DATA / "golden_input.json.gz"
EXPECTED = DATA / "golden_expected.json.gz"
AS_OF = date(2026, 9, 1)
SUBSCRIPTIONS = 3_000
Record = dict[str, Any]

SETTINGS: dict[str, RuleSettings] = {
    "default": RuleSettings(),
    "uplift": RuleSettings(pricing=PricingMethod.UPLIFT, uplift_percent=Decimal("7.5")),
    "list": RuleSettings(
        pricing=PricingMethod.LIST,
        list_prices={"GROWTH": Decimal("13000"), "SEAT": Decimal("333.33")},
    ),
    "by_month": RuleSettings(credit_policy=CreditPolicy.BY_MONTH),
    "full_set": RuleSettings(upgrade_lines=UpgradeLines.FULL_SET),
    "manual_close": RuleSettings(auto_close_automatic_renewals=False),
}
SEGMENTS = ("standard", "high_touch", "long_tail", "public_sector", "unknown")
PRODUCTS = ("Analytics", "Reporting", "Storage")


def _discounts(rng: random.Random) -> list[Record]:
    pool = [
        {"percent": str(rng.choice((5, 10, 12.5, 33))), "kind": "recurring"},
        {"amount": str(rng.choice((100, 999.99, 50000))), "kind": "one_time"},
        {"amount": str(rng.choice((10, 250))), "kind": "recurring"},
        {"percent": "20", "kind": "one_time"},
    ]
    return rng.sample(pool, rng.randrange(0, 3))


def _lines(rng: random.Random, seats: int) -> list[Record]:
    lines: list[Record] = [
        {"sku": rng.choice(("GROWTH", "BASIC")), "kind": "plan", "quantity": 1},
        {"sku": "SEAT", "kind": "subscription", "quantity": seats, "unit_price": "300"},
    ]
    lines[0]["unit_price"] = rng.choice(("12000", "4999.99", "0"))
    lines[0]["discounts"] = _discounts(rng)
    lines[1]["discounts"] = [{"percent": str(rng.choice((0, 5, 10))), "kind": "recurring"}]
    if rng.random() < 0.7:
        lines.append({"sku": "ONBOARDING", "kind": "one_time", "quantity": 1, "unit_price": "5000"})
        lines[-1]["discounts"] = _discounts(rng)
    if rng.random() < 0.7:
        usage = {"sku": "API", "kind": "usage", "quantity": 1, "unit_price": "0.001"}
        usage["precommit"] = rng.choice(("6000", "1234.56"))
        usage["discounts"] = _discounts(rng)[:1]
        lines.append(usage)
    if rng.random() < 0.5:
        lines.append({"sku": "OVERAGE", "kind": "usage", "quantity": 1, "unit_price": "0.02"})
    return lines


def _order(oid: str, kind: str, start: date, end: date | None, **extra: Any) -> Record:
    record: Record = {"id": oid, "type": kind, "start_date": start.isoformat()}
    record["end_date"] = end.isoformat() if end else None
    return {**record, **extra}


def _term_end(rng: random.Random, start: date) -> date:
    days = rng.choice((364, 364, 364, 729, 30, 100, 400, 1094))
    return start + timedelta(days=days)


def _start(rng: random.Random) -> date:
    if rng.random() < 0.2:
        return rng.choice((date(2024, 2, 29), date(2025, 1, 31), date(2023, 8, 31)))
    return date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1_300))


def _upgrade_line(rng: random.Random) -> Record:
    roll = rng.random()
    line: Record = {"sku": "SEAT", "kind": "subscription", "unit_price": "300"}
    line["quantity"] = rng.randrange(-8, 12) or 1
    if roll < 0.2:
        line["unit_price"] = "250"
    elif roll < 0.3:
        line = {"sku": "TRAINING", "kind": "one_time", "quantity": 2, "unit_price": "800"}
    elif roll < 0.4:
        line["quantity"] = -500
    if rng.random() < 0.5:
        line["discounts"] = [{"percent": rng.choice(("0", "5")), "kind": "recurring"}]
    return line


def _upgrade(rng: random.Random, oid: str, previous: str, start: date, end: date) -> Record:
    day = start + timedelta(days=rng.randrange(0, max(1, (end - start).days + 1)))
    extra: Record = {"amends": rng.choice((previous, previous, None)), "billed_to_date": "0"}
    extra["lines"] = [_upgrade_line(rng) for _ in range(rng.randrange(1, 3))]
    roll = rng.random()
    if roll < 0.04:
        day = end + timedelta(days=10)  # outside the contract
    elif roll < 0.07:
        extra["product"] = "Other"  # cross product
    elif roll < 0.10:
        extra["billed_to_date"] = "1500"
    elif roll < 0.12:
        extra["amends"] = "O-nowhere"
    elif roll < 0.14:
        extra["status"] = rng.choice(("open", "closed_lost"))
    upgrade_end = rng.choice((None, None, end)) if day <= end else None
    return _order(oid, "upgrade", day, upgrade_end, **extra)


def _ending(rng: random.Random, index: int, previous: str, start: date, end: date) -> list[Record]:
    roll = rng.random()
    if roll < 0.15:
        day = start + timedelta(days=rng.randrange(0, (end - start).days + 40))
        plan = [{"sku": "ENTERPRISE", "kind": "plan", "quantity": 1, "unit_price": "30000"}]
        product = {"product": "Other"} if rng.random() < 0.2 else {}
        lines = plan + _lines(rng, 3)[1:]
        recast = _order(f"O-{index}-r", "recast", day, _term_end(rng, day), amends=previous)
        return [{**recast, "lines": lines, "billed_to_date": "9000", **product}]
    if roll < 0.25:
        on = rng.choice((None, start + timedelta(days=rng.randrange(-20, 500)), end))
        first = min(start, on) if on else start
        return [_order(f"O-{index}-t", "termination", first, on, amends=previous)]
    return []


def subscription(rng: random.Random, index: int) -> list[Record]:
    """The raw orders of one subscription, with every kind of order and mistake."""
    base = {"account_id": f"A-{index % 1_700}", "product": PRODUCTS[index % 3]}
    base["renewal_terms"] = rng.choice(("automatic", "manual"))
    start = _start(rng)
    end = _term_end(rng, start)
    previous = f"O-{index}-0"
    new = _order(previous, "new", start, end, lines=_lines(rng, rng.randrange(1, 60)))
    orders = [{**new, "billed_to_date": rng.choice(("0", "20000", "15999.99"))}]
    for term in range(1, rng.randrange(1, 5)):
        for up in range(rng.randrange(0, 3)):
            orders.append(_upgrade(rng, f"O-{index}-{term}u{up}", previous, start, end))
        gap = 0 if rng.random() < 0.04 else rng.choice((1, 1, 1, 1, 1, 1, 30))
        start = end + timedelta(days=gap)
        end = _term_end(rng, start)
        renewal = _order(f"O-{index}-{term}", "renewal", start, end, amends=previous)
        orders.append({**renewal, "lines": _lines(rng, rng.randrange(1, 60))})
        previous = renewal["id"]
    orders += _ending(rng, index, previous, start, end)
    if rng.random() < 0.03:
        orders.append(_order(f"O-{index}-x", "upgrade", start, None, lines=[]))
    return [{**base, **o} for o in orders]


def generate(n: int = SUBSCRIPTIONS, seed: int = 20260901) -> Record:
    """The input file: accounts and the orders of `n` subscriptions (a few duplicates)."""
    rng = random.Random(seed)
    orders = [o for i in range(n) for o in subscription(rng, i)]
    orders += [orders[5], {**orders[17], "billed_to_date": "1"}]  # exact and clashing copies
    accounts = [
        {"id": f"A-{i}", "name": f"Account {i}", "segment": SEGMENTS[i % 5], "owner": f"u{i % 7}"}
        for i in range(0, 1_700, 2)
    ]
    return {"accounts": accounts, "orders": orders}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _contract(contract: Contract) -> Record:
    """Every field of a contract, `Decimal`s as exact strings."""
    return {
        "order_id": contract.order_id,
        "term": [contract.term.start.isoformat(), contract.term.end.isoformat()],
        "segments": [
            [
                s.start.isoformat(),
                [[*_line(ln), src] for ln, src in zip(s.lines, s.sources, strict=True)],
            ]
            for s in contract.segments
        ],
        "upgrade_ids": list(contract.upgrade_ids),
        "billed": str(contract.billed),
        "ends": [str(contract.superseded_from), contract.superseded_by],
        "terminated": [str(contract.terminated_on), contract.terminated_by, contract.renewed_by],
        "state": contract.state_on(AS_OF).value,
        "last_day": contract.last_day.isoformat(),
    }


def _line(line: Any) -> list[Any]:
    discounts = [[d.kind.value, _money(d.percent), _money(d.amount)] for d in line.discounts]
    money = [str(line.quantity), str(line.unit_price), _money(line.precommit)]
    return [line.sku, line.kind.value, *money, discounts]


def _exact(result: SubscriptionResult) -> Record:
    """What the report rounds away: exact Decimal strings, term dates, contracts."""
    exact: Record = {"contracts": [_contract(c) for c in result.contracts]}
    if result.renewal is not None:
        spend = result.renewal.spend
        exact["amount"] = str(spend.amount)
        exact["term"] = [spend.term.start.isoformat(), spend.term.end.isoformat()]
        exact["lines"] = [
            [str(ln.quantity), str(ln.unit_price), str(ln.value)] for ln in spend.lines
        ]
    exact["credits"] = [
        [str(c.amount), str(c.billed), str(c.delivered)] for c in result.recast_credits
    ]
    return exact


def snapshot(evaluation: Evaluation) -> Record:
    """The JSON report of `evaluation`, and beside it the exact values of every result."""
    return {
        "report": evaluation_report(evaluation),
        "exact": [_exact(s) for s in evaluation.subscriptions],
    }


def streamed(
    accounts: tuple[Account, ...], orders: tuple[Order, ...], settings: RuleSettings
) -> Evaluation:
    """Evaluate subscription by subscription, as a streaming caller does (no key, no index)."""
    by_account = {a.id: a for a in accounts}
    grouping = group_orders(orders)
    results = tuple(
        evaluate_subscription(grouping.orders[key], AS_OF, settings, account=by_account.get(key[0]))
        for key in sorted(grouping.orders)
    )
    return Evaluation(AS_OF, results)


def digests(snap: Record) -> list[str]:
    """One short hash per subscription of its report and exact values (keeps the file small)."""
    pairs = zip(snap["report"]["subscriptions"], snap["exact"], strict=True)
    return [hashlib.sha256(_dumps(list(pair)).encode()).hexdigest()[:20] for pair in pairs]


def results(parsed: OrdersInput) -> Record:
    """The default settings' snapshot in full; every variant (and streaming) as digests."""
    snapshots = {
        name: snapshot(evaluate(parsed.accounts, parsed.orders, AS_OF, settings))
        for name, settings in SETTINGS.items()
    }
    snapshots["streamed"] = snapshot(streamed(parsed.accounts, parsed.orders, SETTINGS["default"]))
    return {
        "default": snapshots["default"],
        "digests": {name: digests(snap) for name, snap in snapshots.items()},
    }


def load_input() -> OrdersInput:
    """The stored golden input, parsed."""
    with gzip.open(INPUT, "rt", encoding="utf-8") as file:
        return OrdersInput.model_validate_json(file.read())


def load_expected() -> Record:
    """The stored golden results by settings variant."""
    with gzip.open(EXPECTED, "rt", encoding="utf-8") as file:
        loaded: Record = json.load(file)
        return loaded


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _write(path: Path, data: Any) -> None:
    text = _dumps(data)
    with gzip.GzipFile(path, "wb", mtime=0, compresslevel=9) as file:
        file.write(text.encode("utf-8"))


def main() -> None:
    """Regenerate the golden input and the expected results from the current code."""
    DATA.mkdir(exist_ok=True)
    _write(INPUT, generate())
    expected = results(load_input())
    _write(EXPECTED, expected)
    for path in (INPUT, EXPECTED):
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
