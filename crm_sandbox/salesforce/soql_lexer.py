"""SOQL tokenizer.

Keywords are case-insensitive; string literals use single quotes with backslash escapes
(\\' \\" \\\\ \\n \\r \\t \\b \\f, and \\% \\_ kept escaped for LIKE); date literals
(2026-01-01) and datetime literals (2026-01-01T00:00:00Z, with .000 or a +hh:mm offset) are
single tokens, as in the SOQL reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from crm_sandbox.salesforce.errors import ApiError, malformed_query


class Tok(StrEnum):
    IDENT = "ident"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "op"
    COMMA = ","
    LPAREN = "("
    RPAREN = ")"
    EOF = "eof"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Tok
    text: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind is Tok.IDENT and self.text.upper() in words


_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})"
_PATTERNS = [
    (Tok.DATETIME, re.compile(_DATETIME)),
    (Tok.DATE, re.compile(r"\d{4}-\d{2}-\d{2}(?![\d:T])")),
    (Tok.NUMBER, re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?![\w.])")),
    (Tok.IDENT, re.compile(r"[A-Za-z_][A-Za-z0-9_]*:\d+")),  # a date literal: LAST_N_DAYS:30
    (Tok.IDENT, re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")),
    (Tok.OP, re.compile(r"!=|<>|<=|>=|=|<|>")),
]
_PUNCT = {",": Tok.COMMA, "(": Tok.LPAREN, ")": Tok.RPAREN}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def tokenize(text: str) -> list[Token]:
    """Split a SOQL statement into tokens; anything unknown is MALFORMED_QUERY."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char in _PUNCT:
            tokens.append(Token(_PUNCT[char], char, pos))
            pos += 1
        elif char == "'":
            literal, pos = _read_string(text, pos)
            tokens.append(literal)
        else:
            token = _match(text, pos)
            tokens.append(token)
            pos += len(token.text)
    tokens.append(Token(Tok.EOF, "", len(text)))
    return tokens


def _match(text: str, pos: int) -> Token:
    for kind, pattern in _PATTERNS:
        found = pattern.match(text, pos)
        if found:
            return Token(kind, found.group(0), pos)
    raise _unexpected(text, pos)


def _read_string(text: str, start: int) -> tuple[Token, int]:
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "'":
            return Token(Tok.STRING, "".join(out), start), pos + 1
        if char == "\\":
            if pos + 1 >= len(text):
                break
            nxt = text[pos + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in "%_":
                out.append("\\" + nxt)  # LIKE escapes survive to the matcher
            else:
                raise malformed_query(
                    f"Invalid string literal '{text[start:]}'. "
                    f"Illegal character sequence '\\{nxt}' in string literal."
                )
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise malformed_query(f"line 1:{start} mismatched character '<EOF>' expecting '''")


def _unexpected(text: str, pos: int) -> ApiError:
    return malformed_query(f"line 1:{pos} no viable alternative at character '{text[pos]}'")
