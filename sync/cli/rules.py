"""`renewal-sync rules`: evaluate a canonical orders file, print the input's JSON Schema.

This is the admin's and finance's window on the rules: the same numbers the sync will write,
with the ledger that explains them, without touching a CRM.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from contract_rules import (
    Evaluation,
    OrdersInput,
    RuleSettings,
    SubscriptionResult,
    evaluate,
    evaluation_report,
)
from contract_rules.money import money_str
from sync.settings import CONFIG_ENV

app = typer.Typer(help="Evaluate contract rules on a canonical orders file.", no_args_is_help=True)

BAD_INPUT = 2


def input_schema() -> dict[str, object]:
    """The JSON Schema of the orders input file, generated from the canonical model."""
    return OrdersInput.model_json_schema()


def json_path(loc: tuple[int | str, ...]) -> str:
    """`("orders", 3, "lines", 0, "kind")` -> `orders[3].lines[0].kind`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def describe_errors(error: ValidationError) -> list[str]:
    """One line per problem: where in the file, what is wrong, and what is expected."""
    return [f"{json_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)]


def load_orders(file: Path) -> OrdersInput:
    """Parse and validate the file, or exit 2 with the JSON path of every problem."""
    try:
        return OrdersInput.model_validate_json(file.read_bytes())
    except OSError as exc:
        _fail([f"cannot read {file}: {exc.strerror}"])
    except ValidationError as exc:
        _fail(describe_errors(exc))


def _fail(problems: list[str]) -> NoReturn:
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    typer.echo("Fix the input file (see docs/orders-input.md) and run again.", err=True)
    raise typer.Exit(BAD_INPUT)


def rule_settings(file: Path | None) -> RuleSettings:
    """The [rules] table of the service's settings file, validated by the model the service
    uses (`Settings.rules`), so `rules evaluate` prints the numbers the sync will write."""
    path = file or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is None:
        return RuleSettings()
    try:
        table = tomllib.loads(path.read_text("utf-8")).get("rules", {})
    except OSError as exc:
        _fail_settings(f"cannot read the settings file {path}: {exc.strerror}")
    except tomllib.TOMLDecodeError as exc:
        _fail_settings(f"{path}: not valid TOML ({exc})")
    try:
        return RuleSettings.model_validate(table)
    except ValidationError as exc:
        where = "; ".join(f"[rules].{json_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        _fail_settings(f"{path}: {where}")


def _fail_settings(problem: str) -> NoReturn:
    typer.echo(f"error: {problem}", err=True)
    typer.echo("Fix the settings file (see docs/operations.md) and run again.", err=True)
    raise typer.Exit(BAD_INPUT)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from exc


@app.command("evaluate")
def evaluate_command(
    file: Annotated[Path, typer.Argument(help="Canonical orders file (JSON).")],
    as_of: Annotated[str, typer.Option("--as-of", help="Evaluation date, YYYY-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="The service's settings file (TOML); its [rules] table is used. Default: "
            f"the file {CONFIG_ENV} names, else the built-in rules.",
        ),
    ] = None,
) -> None:
    """Print, per subscription, its state, renewal amount with ledger, credits and milestones."""
    day = _parse_day(as_of)
    rules = rule_settings(settings_file)
    data = load_orders(file)
    evaluation = evaluate(data.accounts, data.orders, day, rules)
    if as_json:
        typer.echo(json.dumps(evaluation_report(evaluation), indent=2))
    else:
        typer.echo(render_table(evaluation))


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the orders input file (docs/schema/orders-input.schema.json)."""
    typer.echo(json.dumps(input_schema(), indent=2))


def render_table(evaluation: Evaluation) -> str:
    """A readable report: one block per subscription."""
    blocks = [_block(s) for s in evaluation.subscriptions]
    return "\n\n".join(blocks) if blocks else "no subscriptions"


def _block(result: SubscriptionResult) -> str:
    state = result.state.value if result.state else "no valid contract"
    lines = [f"{result.account_id} / {result.product}: {state} (current {result.current_order_id})"]
    lines += _renewal_lines(result)
    lines += [f"  recast credit {c.order_id}: {money_str(c.amount)}" for c in result.recast_credits]
    lines += [f"  milestone {m.key:<16} due {m.due_date}" for m in result.milestones]
    lines += [f"  ERROR {e.order_id} [{e.code.value}]: {e.message}" for e in result.errors]
    return "\n".join(lines)


def _renewal_lines(result: SubscriptionResult) -> list[str]:
    renewal = result.renewal
    if renewal is None:
        return ["  renewal: none due"]
    head = (
        f"  renewal {money_str(renewal.spend.amount)} for {renewal.term.start}..{renewal.term.end}"
        f", close {renewal.close_date} ({renewal.action.value})"
    )
    ledger = [
        f"    {'+' if ln.included else ' '} {ln.sku:<12} {money_str(ln.value):>12}  {ln.reason}"
        for ln in renewal.spend.lines
    ]
    return [head, *ledger]
