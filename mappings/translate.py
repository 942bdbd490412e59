"""Flat CRM records -> canonical values, through the mapping and nothing else.

Every function returns either the canonical value or a `TranslationError` naming the record,
the canonical field, the CRM field and what to do. None of them raises for bad data: one bad
record never stops the others. A bad line makes its whole order an error, because an order
priced without one of its lines would give a wrong renewal amount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError

from contract_rules import Account, Discount, DiscountKind, Line, Order, term_length
from mappings.coerce import CoerceError, is_blank, to_decimal
from mappings.concepts import ORDER_CONTRACT_TYPES, Unit
from mappings.reading import FieldProblem, Reader, Record, read_all, read_value, yearly
from mappings.schema import DiscountSpec, Mapping, field_names

_TWELVE = Decimal(12)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TranslationError:
    """A record that could not become a canonical value; `status` is the order's, if read,
    so the pipeline can tell a broken contract from a half-filled open opportunity."""

    concept: str
    object: str
    record_id: str
    problems: tuple[FieldProblem, ...]
    status: str | None = None

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


@dataclass(frozen=True, slots=True)
class AccountExtras:
    """What the pipeline needs next to the `Account`: health inputs and the match key."""

    licensed_seats: Decimal | None = None
    active_seats: Decimal | None = None
    match_key: str | None = None
    domain: str | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A canonical line and the CRM facts around it (ids the renewal lines reuse)."""

    line: Line
    id: str
    order_id: str
    sync_key: str | None = None
    description: str | None = None
    name: str | None = None
    price_entry_id: str | None = None
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A canonical order and the raw CRM facts the pipeline needs beside it."""

    order: Order
    lines: tuple[LineRecord, ...]
    owner_id: str | None = None
    amount: Decimal | None = None
    stage: str | None = None
    sync_key: str | None = None
    renews: str | None = None
    name: str | None = None
    is_closed: bool | None = None
    close_date: date | None = None
    loss_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A support case (or ticket): a health signal."""

    id: str
    account_id: str
    priority: str | None = None
    status: str | None = None
    subject: str | None = None
    is_closed: bool | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NpsRecord:
    """One NPS answer, 0..10."""

    id: str
    account_id: str
    score: Decimal
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One survey answer (CSAT, CES, a custom survey) by its sentiment."""

    id: str
    account_id: str
    sentiment: str  # positive | neutral | negative
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A CRM user (Salesforce User, HubSpot owner)."""

    id: str
    name: str | None = None
    email: str | None = None
    username: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """A list price by sku (yearly for recurring items) and the entry the renewal lines use."""

    id: str
    sku: str
    unit_price: Decimal
    pricebook_id: str | None = None
    product_id: str | None = None
    is_standard: bool | None = None
    is_active: bool | None = None


def to_account(
    record: Record, mapping: Mapping
) -> tuple[Account, AccountExtras] | TranslationError:
    """An account and its extras, or why not."""
    reader = Reader(mapping, "account", record)
    values, problems = read_all(reader)
    if problems:
        return _error(reader, problems)
    extras = _pick(AccountExtras, values)
    account = _pick(Account, {**values, "owner": values.get("owner_id")})
    return _built(reader, lambda: (Account(**account), AccountExtras(**extras)))


def to_line(
    record: Record, mapping: Mapping, term_months: Decimal | None = None
) -> LineRecord | TranslationError:
    """One line, prices converted to yearly rates (`term_months` serves `per: term`)."""
    reader = Reader(mapping, "line", record, term_months)
    values, problems = read_all(reader)
    discounts = _discounts(reader, values.get("quantity", Decimal(1)), problems)
    if problems:
        return _error(reader, problems)
    if values.get("precommit") == 0:
        values.pop("precommit")
    line = {**_pick(Line, values), "discounts": tuple(discounts)}
    extras = _pick(LineRecord, values)
    return _built(reader, lambda: LineRecord(line=Line(**line), **extras))


def to_order(
    order_record: Record, line_records: Iterable[Record], mapping: Mapping
) -> OrderRecord | TranslationError:
    """An order with its lines; any bad line makes the whole order an error."""
    reader = Reader(mapping, "order", order_record)
    values, problems = read_all(reader)
    problems += _end_date_needed(reader, values)
    months = _term_months(values)
    lines = [to_line(r, mapping, months) for r in line_records]
    problems += [p for ln in lines if isinstance(ln, TranslationError) for p in ln.problems]
    if problems:
        return _error(reader, problems, values.get("status"))
    good = tuple(ln for ln in lines if isinstance(ln, LineRecord))
    order = {**_pick(Order, values), "lines": tuple(ln.line for ln in good)}
    extras = _pick(OrderRecord, values)
    return _built(reader, lambda: OrderRecord(Order(**order), good, **extras), values.get("status"))


def to_case(record: Record, mapping: Mapping) -> CaseRecord | TranslationError:
    """A case or ticket as a health signal."""
    return _simple("case", CaseRecord, record, mapping)


def to_nps(record: Record, mapping: Mapping) -> NpsRecord | TranslationError:
    """An NPS answer; a score outside 0..10 is an error, not a clamp."""
    result = _simple("nps", NpsRecord, record, mapping)
    if isinstance(result, NpsRecord) and not 0 <= result.score <= 10:
        reader = Reader(mapping, "nps", record)
        crm = mapping.read["nps"].fields["score"].field
        message = f"is {result.score}, outside 0..10; an NPS score is 0 to 10"
        return _error(reader, [reader.problem("score", str(crm), message)])
    return result


def to_feedback(record: Record, mapping: Mapping) -> FeedbackRecord | TranslationError:
    """A survey answer as a health signal."""
    return _simple("feedback", FeedbackRecord, record, mapping)


def to_user(record: Record, mapping: Mapping) -> UserRecord | TranslationError:
    """A CRM user."""
    return _simple("user", UserRecord, record, mapping)


def to_price(record: Record, mapping: Mapping) -> PriceRecord | TranslationError:
    """A price entry, its price as a yearly rate."""
    return _simple("price", PriceRecord, record, mapping)


def read_one(concept: str, name: str, record: Record, mapping: Mapping) -> Any:
    """One canonical value of a record (e.g. a line's order id), None if empty or bad."""
    return read_value(Reader(mapping, concept, record), name)


def lines_by_order(line_records: Iterable[Record], mapping: Mapping) -> dict[str, list[Record]]:
    """Line records grouped by the order they belong to (lines without one are left out)."""
    grouped: dict[str, list[Record]] = {}
    for record in line_records:
        order_id = read_one("line", "order_id", record, mapping)
        if order_id is not None:
            grouped.setdefault(str(order_id), []).append(record)
    return grouped


def _simple(concept: str, cls: type[T], record: Record, mapping: Mapping) -> T | TranslationError:
    reader = Reader(mapping, concept, record)
    values, problems = read_all(reader)
    if problems:
        return _error(reader, problems)
    return _built(reader, lambda: cls(**_pick(cls, values)))


def _pick(cls: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    """The values that `cls` (a dataclass or a pydantic model) has a field for."""
    names = _field_names(cls)
    return {k: v for k, v in values.items() if k in names}


def _field_names(cls: type[Any]) -> frozenset[str]:
    """Asked once per class: `fields()` and `model_fields` are slow per record."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        found = cls.model_fields if hasattr(cls, "model_fields") else fields(cls)
        names = _FIELD_NAMES[cls] = frozenset(f if isinstance(f, str) else f.name for f in found)
    return names


_FIELD_NAMES: dict[type[Any], frozenset[str]] = {}


def _built(
    reader: Reader, build: Callable[[], T], status: str | None = None
) -> T | TranslationError:
    """`build()`, or the canonical model's own validation message as a problem."""
    try:
        return build()
    except ValidationError as exc:
        problems = [_from_validation(reader, e) for e in exc.errors()]
        return _error(reader, problems, status)


def _from_validation(reader: Reader, error: Any) -> FieldProblem:
    loc = [str(part) for part in error["loc"]]
    name = loc[0] if loc else ""
    spec = reader.mapping.read[reader.concept].fields.get(name)
    crm = " / ".join(field_names(spec)) if spec else None
    message = str(error["msg"]).removeprefix("Value error, ")
    return reader.problem(name, crm or None, message)


def _error(
    reader: Reader, problems: Sequence[FieldProblem], status: Any = None
) -> TranslationError:
    return TranslationError(
        reader.concept, reader.object, reader.record_id, tuple(problems), status and str(status)
    )


def _end_date_needed(reader: Reader, values: dict[str, Any]) -> list[FieldProblem]:
    """New, renewal and recast orders need an end date; say so with the CRM field's name."""
    kind = values.get("type")
    if kind not in ORDER_CONTRACT_TYPES or values.get("end_date") is not None:
        return []
    spec = reader.mapping.read["order"].fields.get("end_date")
    crm = " / ".join(field_names(spec)) if spec else None
    message = f"is empty; a {kind} order needs an end date (the last day of its term)"
    return [reader.problem("end_date", crm or "(not mapped)", message)]


def _term_months(values: dict[str, Any]) -> Decimal | None:
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        return None
    return term_length(start, end).years_fraction * _TWELVE


def _discounts(reader: Reader, quantity: Decimal, problems: list[FieldProblem]) -> list[Discount]:
    found: list[Discount] = []
    for spec in reader.mapping.read["line"].discounts:
        try:
            discount = _discount(reader, spec, quantity)
        except (CoerceError, ValidationError) as exc:
            text = str(exc) if isinstance(exc, CoerceError) else _first(exc)
            problems.append(reader.problem("discounts", spec.field, text))
            continue
        if discount is not None:
            found.append(discount)
    return found


def _discount(reader: Reader, spec: DiscountSpec, quantity: Decimal) -> Discount | None:
    """A discount from one field; blank or zero is no discount."""
    raw = reader.record.get(spec.field)
    if is_blank(raw) or to_decimal(raw) == 0:
        return None
    value = to_decimal(raw)
    kind = DiscountKind(spec.kind)
    if spec.as_ == "percent":
        return Discount(kind=kind, percent=value)
    if spec.per_unit:
        value *= abs(quantity)
    if kind is DiscountKind.RECURRING:
        value = yearly(value, Unit(spec.per or "year"), reader.term_months)
    return Discount(kind=kind, amount=value)


def _first(exc: ValidationError) -> str:
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
