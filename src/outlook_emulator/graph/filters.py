"""``$filter`` expressions ("Use the $filter query parameter",
learn.microsoft.com/graph/filter-query-parameter).

Comparisons ``eq``, ``ne``, ``gt``, ``ge``, ``lt``, ``le``; ``startswith(prop,'x')``;
``prop in ('a','b')``; ``and``/``or``/``not`` and parentheses. Literals are
quoted strings, true/false/null, numbers and unquoted DateTimeOffset values
(``receivedDateTime ge 2024-01-01T00:00:00Z``). A property may be a path
(``from/emailAddress/address``). String comparisons ignore case.

For users ("List users") only the properties the directory marks filterable
are accepted, and ``ne`` or ``null`` comparisons are advanced queries that need
``ConsistencyLevel: eventual``; anything else is ``Request_UnsupportedQuery``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from outlook_emulator.graph.errors import GraphError, bad_request

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])"
    r"|(?P<when>\d{4}-\d\d-\d\d(?:T[\d:.]+(?:Z|[+-]\d\d:\d\d)?)?)"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_./]*))"
)
_ORDERING = {"gt": (1,), "ge": (0, 1), "lt": (-1,), "le": (-1, 0)}
USER_PROPERTIES = {
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
    def __init__(self, text: str, advanced: bool, properties: set[str] | None) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.advanced = advanced
        self.properties = properties

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
        terms = [self.conjunction()]
        while (self.peek() or "").lower() == "or":
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda u: any(t(u) for t in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while (self.peek() or "").lower() == "and":
            self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda u: all(t(u) for t in terms))

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
        allowed = self.properties
        if (allowed is not None and name not in allowed) or not name[0].isalpha():
            raise _unsupported(self.text)
        return name

    def startswith(self) -> Predicate:
        self.take()
        self.take("(")
        name = self.prop()
        self.take(",")
        prefix = str(self.literal()).lower()
        self.take(")")
        return lambda u: str(value_at(u, name) or "").lower().startswith(prefix)

    def literal(self) -> Any:
        token = self.take()
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        lowered = token.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if token[0].isdigit() or token[0] == "-":
            when = _as_time(token)
            if when is not None:
                return when
            return float(token) if "." in token else int(token)
        raise _unsupported(self.text)

    def comparison(self) -> Predicate:
        name = self.prop()
        op = self.take().lower()
        if op == "in":
            return self.membership(name)
        value = self.literal()
        if op not in ("eq", "ne", *_ORDERING):
            raise _unsupported(self.text)
        if (op == "ne" or value is None) and not self.advanced:
            # "ne" and null comparisons are advanced queries (ConsistencyLevel: eventual).
            raise _unsupported(self.text)
        if op in _ORDERING:
            return _ordered(name, value, _ORDERING[op])
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


def value_at(obj: dict[str, Any], path: str) -> Any:
    """The value at a property path such as ``from/emailAddress/address``."""
    value: Any = obj
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _as_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _comparable(value: Any, like: Any) -> Any:
    """``value`` (from the JSON) in the type of the literal it is compared with."""
    if isinstance(like, datetime) and isinstance(value, str):
        return _as_time(value)
    if isinstance(like, str) and isinstance(value, str):
        return value.lower()
    return value


def _equals(name: str, value: Any) -> Predicate:
    wanted = value.lower() if isinstance(value, str) else value
    return lambda u: _comparable(value_at(u, name), value) == wanted


def _ordered(name: str, value: Any, accepted: tuple[int, ...]) -> Predicate:
    wanted = value.lower() if isinstance(value, str) else value

    def check(obj: dict[str, Any]) -> bool:
        have = _comparable(value_at(obj, name), value)
        if have is None or type(have) is not type(wanted):
            return False
        return ((have > wanted) - (have < wanted)) in accepted

    return check


def parse_filter(
    text: str, advanced: bool = True, properties: set[str] | None = None
) -> Predicate:
    """A predicate over rendered JSON objects; GraphError for what Graph would refuse."""
    return _Parser(text, advanced, properties).parse()
