"""The ``$filter`` expressions Graph documents for users.

"List users" and "Use the $filter query parameter"
(learn.microsoft.com/graph/filter-query-parameter): ``eq``, ``ne`` (with
``null`` only under advanced queries), ``startswith(prop,'x')``,
``prop in ('a','b')``, combined with ``and``/``or``/``not`` and parentheses.
Supported properties are the ones the users resource marks filterable among
those the emulator knows: id, mail, userPrincipalName, displayName, givenName,
surname, jobTitle, accountEnabled, userType.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from outlook_emulator.graph.errors import GraphError, bad_request

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_./]*))"
)
FILTERABLE = {
    "id", "mail", "userPrincipalName", "displayName", "givenName", "surname", "jobTitle",
    "accountEnabled", "userType",
}


def _unsupported(expression: str) -> GraphError:
    return bad_request(f"Invalid filter clause: {expression}", code="Request_UnsupportedQuery")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip():
                raise _unsupported(text)
            break
        out.append(match.group(match.lastgroup or "word"))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str, advanced: bool) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.advanced = advanced

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.lower() != expected):
            raise _unsupported(self.text)
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise _unsupported(self.text)
        return predicate

    def disjunction(self) -> Predicate:
        left = self.conjunction()
        while (self.peek() or "").lower() == "or":
            self.take()
            right, first = self.conjunction(), left
            left = lambda u, a=first, b=right: a(u) or b(u)  # noqa: E731
        return left

    def conjunction(self) -> Predicate:
        left = self.unary()
        while (self.peek() or "").lower() == "and":
            self.take()
            right, first = self.unary(), left
            left = lambda u, a=first, b=right: a(u) and b(u)  # noqa: E731
        return left

    def unary(self) -> Predicate:
        token = (self.peek() or "").lower()
        if token == "not":
            self.take()
            inner = self.unary()
            return lambda u: not inner(u)
        if token == "(":
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        if token == "startswith":
            return self.startswith()
        return self.comparison()

    def prop(self) -> str:
        name = self.take()
        if name not in FILTERABLE:
            raise _unsupported(self.text)
        return name

    def startswith(self) -> Predicate:
        self.take()
        self.take("(")
        name = self.prop()
        self.take(",")
        prefix = str(self.literal()).lower()
        self.take(")")
        return lambda u: str(u.get(name) or "").lower().startswith(prefix)

    def literal(self) -> Any:
        token = self.take()
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        lowered = token.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        raise _unsupported(self.text)

    def comparison(self) -> Predicate:
        name = self.prop()
        op = self.take().lower()
        if op == "in":
            return self.membership(name)
        value = self.literal()
        if op not in ("eq", "ne"):
            raise _unsupported(self.text)
        if (op == "ne" or value is None) and not self.advanced:
            # "ne" and null comparisons are advanced queries (ConsistencyLevel: eventual).
            raise _unsupported(self.text)
        match = _equals(name, value)
        return match if op == "eq" else (lambda u: not match(u))

    def membership(self, name: str) -> Predicate:
        self.take("(")
        values = [self.literal()]
        while self.peek() == ",":
            self.take()
            values.append(self.literal())
        self.take(")")
        checks = [_equals(name, v) for v in values]
        return lambda u: any(c(u) for c in checks)


def _equals(name: str, value: Any) -> Predicate:
    if isinstance(value, str):
        wanted = value.lower()  # directory string comparisons ignore case
        return lambda u: isinstance(u.get(name), str) and u[name].lower() == wanted
    return lambda u: u.get(name) == value


def parse_filter(text: str, advanced: bool = False) -> Predicate:
    return _Parser(text, advanced).parse()
