"""Builders for canonical orders: the worked example of the domain spec and small variations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contract_rules import (
    BrickKind,
    Discount,
    DiscountKind,
    Line,
    Order,
    OrderStatus,
    OrderType,
    RenewalTerms,
)

JAN_1 = date(2026, 1, 1)
DEC_31 = date(2026, 12, 31)


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def recurring_percent(percent: str) -> Discount:
    return Discount(kind=DiscountKind.RECURRING, percent=D(percent))


def one_time_amount(amount: str) -> Discount:
    return Discount(kind=DiscountKind.ONE_TIME, amount=D(amount))


def line(
    sku: str,
    kind: BrickKind,
    quantity: int | str = 1,
    price: str = "0",
    *,
    precommit: str | None = None,
    discounts: tuple[Discount, ...] = (),
) -> Line:
    return Line(
        sku=sku,
        kind=kind,
        quantity=D(quantity),
        unit_price=D(price),
        precommit=None if precommit is None else D(precommit),
        discounts=discounts,
    )


def seats(quantity: int, price: str = "300", percent: str = "5") -> Line:
    return line(
        "SEAT",
        BrickKind.SUBSCRIPTION,
        quantity,
        price,
        discounts=(recurring_percent(percent),),
    )


def worked_example_lines() -> tuple[Line, ...]:
    """Domain spec: Growth plan, 20 seats, onboarding, API pre-commitment, overage."""
    return (
        line(
            "GROWTH",
            BrickKind.PLAN,
            1,
            "12000",
            discounts=(recurring_percent("10"), one_time_amount("1000")),
        ),
        seats(20),
        line("ONBOARDING", BrickKind.ONE_TIME, 1, "5000"),
        line("API", BrickKind.USAGE, 1, "0", precommit="6000"),
        line("OVERAGE", BrickKind.USAGE, 1, "0.02"),
    )


def order(
    order_id: str,
    order_type: OrderType,
    start: date,
    end: date | None,
    lines: tuple[Line, ...] = (),
    *,
    amends: str | None = None,
    account: str = "A-1",
    product: str = "Analytics",
    billed: str = "0",
    terms: RenewalTerms = RenewalTerms.AUTOMATIC,
    status: OrderStatus = OrderStatus.CLOSED_WON,
) -> Order:
    return Order(
        id=order_id,
        account_id=account,
        type=order_type,
        product=product,
        amends=amends,
        start_date=start,
        end_date=end,
        renewal_terms=terms,
        billed_to_date=D(billed),
        status=status,
        lines=lines,
    )


def new_order(
    order_id: str = "O-1",
    lines: tuple[Line, ...] | None = None,
    start: date = JAN_1,
    end: date = DEC_31,
    **kwargs: object,
) -> Order:
    chosen = worked_example_lines() if lines is None else lines
    return order(order_id, OrderType.NEW, start, end, chosen, **kwargs)  # type: ignore[arg-type]


def upgrade(
    order_id: str,
    start: date,
    lines: tuple[Line, ...],
    amends: str | None = "O-1",
    **kwargs: object,
) -> Order:
    return order(order_id, OrderType.UPGRADE, start, None, lines, amends=amends, **kwargs)  # type: ignore[arg-type]
