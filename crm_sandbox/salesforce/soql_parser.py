"""Recursive-descent parser for the SOQL subset the sandbox answers.

Grammar (keywords case-insensitive):

    query    := SELECT items FROM name [WHERE cond] [GROUP BY path (, path)*]
                [ORDER BY order (, order)*] [LIMIT int] [OFFSET int]
    items    := COUNT() | item (, item)*
    item     := path | aggregate [alias]
    aggregate:= (COUNT | COUNT_DISTINCT | SUM | AVG | MIN | MAX) ( [path] )
    cond     := unary (AND unary)* | unary (OR unary)*
    unary    := NOT unary | ( cond ) | path op value | path [NOT] IN ( value, ... )
                | path [NOT] IN ( SELECT path FROM name [WHERE cond] )     -- a semi-join
                | path LIKE string
    value    := string | number | date | datetime | NULL | TRUE | FALSE
                | date literal (TODAY, LAST_N_DAYS:n, THIS_FISCAL_YEAR... see soql_dates)
    order    := path [ASC|DESC] [NULLS FIRST|LAST]

Vendor quirk kept on purpose: SOQL refuses AND and OR mixed at one level without
parentheses ("a AND b OR c" is MALFORMED_QUERY), so this parser does too. Errors carry the
real message layout: the query, a caret under the column, "ERROR at Row:1:Column:N".
Everything outside the grammar (HAVING, GROUP BY ROLLUP/CUBE, parent-to-child sub-queries,
TYPEOF, FOR UPDATE, WITH, USING SCOPE) is MALFORMED_QUERY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.soql_dates import is_date_literal, needs_number
from crm_sandbox.salesforce.soql_lexer import Tok, Token, tokenize

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
_RESERVED = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
     "OFFSET", "GROUP", "HAVING", "WITH", "FOR", "USING", "NULLS", "ASC", "DESC", "TYPEOF"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldRef:
    path: tuple[str, ...]
    pos: int

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Literal:
    kind: str  # string | number | date | datetime | null | bool | dateliteral
    value: Any
    text: str
    pos: int


@dataclass(frozen=True, slots=True)
class Aggregate:
    """COUNT(Id), SUM(Amount) total...: named by its alias, else expr0, expr1... in order."""

    func: str
    field: FieldRef | None
    alias: str | None
    pos: int


@dataclass(frozen=True, slots=True)
class SemiJoin:
    """`Id IN (SELECT AccountId FROM Opportunity WHERE ...)`: the ids the inner query selects."""

    query: Query
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    field: FieldRef
    op: str  # = != < <= > >= LIKE IN NOT IN
    value: Literal | tuple[Literal, ...] | SemiJoin


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # AND | OR
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Compare | BoolOp | Not


@dataclass(frozen=True, slots=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    fields: tuple[FieldRef, ...]
    count: bool
    sobject: str
    sobject_pos: int
    where: Expr | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    select: tuple[FieldRef | Aggregate, ...] = ()
    group_by: tuple[FieldRef, ...] = ()

    @property
    def aggregated(self) -> bool:
        """An AggregateResult query: any aggregate function, or GROUP BY."""
        return bool(self.group_by) or any(isinstance(i, Aggregate) for i in self.select)


def located_error(code: str, text: str, pos: int, message: str) -> ApiError:
    """Salesforce's query error layout: statement, caret line, row/column, message."""
    caret = " " * pos + "^"
    return ApiError(400, code, f"\n{text}\n{caret}\nERROR at Row:1:Column:{pos + 1}\n{message}")


def parse(text: str) -> Query:
    """Parse a SOQL statement or raise ApiError(MALFORMED_QUERY)."""
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers -----------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def error(self, token: Token | None = None) -> ApiError:
        token = token or self.tok
        shown = token.text if token.kind is not Tok.EOF else "<EOF>"
        if token.kind is Tok.STRING:
            shown = f"'{token.text}'"
        return located_error(
            "MALFORMED_QUERY", self.text, token.pos, f"unexpected token: '{shown}'"
        )

    def expect_word(self, *words: str) -> Token:
        if not self.tok.is_word(*words):
            raise self.error()
        return self.advance()

    def expect(self, kind: Tok) -> Token:
        if self.tok.kind is not kind:
            raise self.error()
        return self.advance()

    def accept_word(self, *words: str) -> bool:
        if self.tok.is_word(*words):
            self.advance()
            return True
        return False

    # -- grammar ------------------------------------------------------------------------

    def query(self) -> Query:
        query = self.statement()
        if self.tok.kind is not Tok.EOF:
            raise self.error()
        return query

    def statement(self) -> Query:
        self.expect_word("SELECT")
        select, count = self.select_items()
        self.expect_word("FROM")
        name_tok = self.expect(Tok.IDENT)
        if "." in name_tok.text or name_tok.text.upper() in _RESERVED:
            raise self.error(name_tok)
        where = self.expression() if self.accept_word("WHERE") else None
        group_by = self.group_by() if self.accept_word("GROUP") else ()
        order_by = self.order_by() if self.accept_word("ORDER") else ()
        limit = self.integer() if self.accept_word("LIMIT") else None
        offset = self.integer() if self.accept_word("OFFSET") else None
        fields = tuple(item for item in select if isinstance(item, FieldRef))
        if group_by or len(fields) < len(select):
            grouped = {ref.dotted.lower() for ref in group_by}
            for ref in fields:
                if ref.dotted.lower() not in grouped:
                    raise located_error(
                        "MALFORMED_QUERY",
                        self.text,
                        ref.pos,
                        f"Field must be grouped or aggregated: {ref.path[-1]}",
                    )
        return Query(
            self.text,
            fields,
            count,
            name_tok.text,
            name_tok.pos,
            where,
            order_by,
            limit,
            offset,
            select,
            group_by,
        )

    def select_items(self) -> tuple[tuple[FieldRef | Aggregate, ...], bool]:
        after = self.tokens[self.index + 1 : self.index + 3]
        if (
            self.tok.is_word("COUNT")
            and [t.kind for t in after] == [Tok.LPAREN, Tok.RPAREN]
            and self.tokens[self.index + 3].is_word("FROM")
        ):
            self.advance()
            self.advance()
            self.advance()
            return (), True
        items = [self.select_item()]
        while self.tok.kind is Tok.COMMA:
            self.advance()
            items.append(self.select_item())
        return tuple(items), False

    def select_item(self) -> FieldRef | Aggregate:
        token = self.tok
        nxt = self.tokens[self.index + 1]
        if not (token.kind is Tok.IDENT and token.text.upper() in AGGREGATES) or (
            nxt.kind is not Tok.LPAREN
        ):
            return self.path()
        self.advance()
        self.advance()
        field = None
        if self.tok.kind is not Tok.RPAREN:
            field = self.path()
        elif token.text.upper() != "COUNT":
            raise self.error()
        self.expect(Tok.RPAREN)
        alias = None
        if self.tok.kind is Tok.IDENT and self.tok.text.upper() not in _RESERVED:
            alias = self.advance().text
        return Aggregate(token.text.upper(), field, alias, token.pos)

    def group_by(self) -> tuple[FieldRef, ...]:
        self.expect_word("BY")
        if self.tok.is_word("ROLLUP", "CUBE"):
            raise self.error()
        items = [self.path()]
        while self.tok.kind is Tok.COMMA:
            self.advance()
            items.append(self.path())
        return tuple(items)

    def path(self) -> FieldRef:
        token = self.tok
        if token.kind is not Tok.IDENT or token.text.upper() in _RESERVED:
            raise self.error()
        self.advance()
        if self.tok.kind is Tok.LPAREN:  # FIELDS(), or an aggregate in WHERE: outside the subset
            raise self.error(self.tok)
        parts = tuple(token.text.split("."))
        if len(parts) > 3:
            raise located_error(
                "MALFORMED_QUERY",
                self.text,
                token.pos,
                "the sandbox follows at most two parent relationships",
            )
        return FieldRef(parts, token.pos)

    def expression(self) -> Expr:
        first = self.unary()
        if not self.tok.is_word("AND", "OR"):
            return first
        op = self.tok.text.upper()
        items = [first]
        while self.tok.is_word("AND", "OR"):
            if self.tok.text.upper() != op:
                raise self.error()  # SOQL: mixing AND/OR needs parentheses
            self.advance()
            items.append(self.unary())
        return BoolOp(op, tuple(items))

    def unary(self) -> Expr:
        if self.accept_word("NOT"):
            return Not(self.unary())
        if self.tok.kind is Tok.LPAREN:
            self.advance()
            inner = self.expression()
            self.expect(Tok.RPAREN)
            return inner
        return self.comparison()

    def comparison(self) -> Compare:
        ref = self.path()
        token = self.tok
        if token.kind is Tok.OP:
            self.advance()
            op = "!=" if token.text == "<>" else token.text
            return Compare(ref, op, self.value())
        if self.accept_word("LIKE"):
            value = self.value()
            if value.kind not in {"string", "null"}:
                raise self.error(self.tokens[self.index - 1])
            return Compare(ref, "LIKE", value)
        negate = self.accept_word("NOT")
        if self.accept_word("IN"):
            return Compare(ref, "NOT IN" if negate else "IN", self.value_list())
        raise self.error()

    def value_list(self) -> tuple[Literal, ...] | SemiJoin:
        self.expect(Tok.LPAREN)
        if self.tok.is_word("SELECT"):
            pos = self.tok.pos
            inner = self.statement()
            self.expect(Tok.RPAREN)
            return SemiJoin(inner, pos)
        values = [self.value()]
        while self.tok.kind is Tok.COMMA:
            self.advance()
            values.append(self.value())
        self.expect(Tok.RPAREN)
        return tuple(values)

    def value(self) -> Literal:  # noqa: PLR0911 - one case per literal kind
        token = self.advance()
        kind = token.kind
        if kind is Tok.STRING:
            return Literal("string", token.text, token.text, token.pos)
        if kind is Tok.NUMBER:
            return Literal("number", _number(token.text), token.text, token.pos)
        if kind is Tok.DATE:
            return Literal("date", _date(self, token), token.text, token.pos)
        if kind is Tok.DATETIME:
            return Literal("datetime", _datetime(self, token), token.text, token.pos)
        word = token.text.upper() if kind is Tok.IDENT else ""
        if word == "NULL":
            return Literal("null", None, token.text, token.pos)
        if word in {"TRUE", "FALSE"}:
            return Literal("bool", word == "TRUE", token.text, token.pos)
        name, colon, number = word.partition(":")
        if is_date_literal(name) and (bool(colon) == needs_number(name)):
            if colon and not number.isdigit():
                raise self.error(token)
            count = int(number) if colon else None
            return Literal("dateliteral", (name, count), token.text, token.pos)
        raise self.error(token)

    def order_by(self) -> tuple[OrderItem, ...]:
        self.expect_word("BY")
        items = [self.order_item()]
        while self.tok.kind is Tok.COMMA:
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        ref = self.path()
        descending = False
        if self.tok.is_word("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_last = descending  # SOQL default: ASC NULLS FIRST, DESC NULLS LAST
        if self.accept_word("NULLS"):
            nulls_last = self.expect_word("FIRST", "LAST").text.upper() == "LAST"
        return OrderItem(ref, descending, nulls_last)

    def integer(self) -> int:
        token = self.expect(Tok.NUMBER)
        if not token.text.isdigit():
            raise self.error(token)
        return int(token.text)


def _number(text: str) -> int | Decimal:
    try:
        return int(text) if text.lstrip("+-").isdigit() else Decimal(text)
    except (ValueError, InvalidOperation):  # pragma: no cover - the lexer only passes numbers
        return Decimal(0)


def _date(parser: _Parser, token: Token) -> date:
    try:
        return date.fromisoformat(token.text)
    except ValueError:
        raise parser.error(token) from None


def _datetime(parser: _Parser, token: Token) -> datetime:
    text = token.text.replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and ":" not in text[-5:]:
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise parser.error(token) from None
