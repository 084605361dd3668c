"""Sync rules: which documents the index keeps.

Basic rules follow the semantics of Elastic's basic sync rules — an ordered
list of (field, rule, value, policy); the first rule that matches a document
decides; a final implicit rule includes everything — with typed comparisons:
dates compare as dates (ISO 8601, or relative like ``now-90d``), numbers as
numbers, a list field matches when any element does, and a missing field never
matches (it is not the text "None").

The whole list is validated up front and every problem is reported with the
rule's position, before any network call.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from typing import Any

from outlook_connector.dates import RELATIVE as _RELATIVE
from outlook_connector.dates import parse_date

Document = Mapping[str, Any]

OPERATORS = ("equals", "contains", "starts_with", "ends_with", "regex", "<", ">")
POLICIES = ("include", "exclude")

DATE_FIELDS = frozenset(
    {
        "_timestamp",
        "received_at",
        "sent_at",
        "birthday",
        "start_date",
        "end_date",
        "due_date",
        "complete_date",
    }
)
NUMBER_FIELDS = frozenset({"size"})
BOOLEAN_FIELDS = frozenset({"has_attachments", "is_all_day", "is_inline"})
TEXT_FIELDS = frozenset(
    {
        "id",
        "type",
        "title",
        "mailbox",
        "url",
        "sender",
        "to_recipients",
        "cc_recipients",
        "bcc_recipients",
        "importance",
        "categories",
        "message",
        "conversation_id",
        "folder",
        "internet_message_id",
        "attachment_names",
        "name",
        "email_addresses",
        "contact_numbers",
        "company_name",
        "job_title",
        "department",
        "notes",
        "meeting_type",
        "organizer",
        "attendees",
        "location",
        "content",
        "recurrence",
        "calendar",
        "status",
        "owner",
        "task_list",
        "content_type",
        "parent_id",
        "parent_title",
        "body",
        "extraction_error",
    }
)
FIELDS = DATE_FIELDS | NUMBER_FIELDS | BOOLEAN_FIELDS | TEXT_FIELDS


@dataclass(frozen=True)
class BasicRule:
    position: int
    field: str
    rule: str
    value: str
    policy: str
    matcher: Callable[[Any], bool] = dataclass_field(repr=False, compare=False)
    raw_value: Any = dataclass_field(default=None, repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # The matcher is a closure: a rule travels to a sync worker process as
        # its table and is parsed again there.
        entry = {"field": self.field, "rule": self.rule, "value": self.raw_value,
                 "policy": self.policy}
        return (_rebuilt_rule, (self.position, entry))

    def matches(self, document: Document) -> bool:
        value = document.get(self.field)
        if value is None:
            return False
        values = value if isinstance(value, list) else [value]
        return any(v is not None and self.matcher(v) for v in values)

    def describe(self) -> str:
        return f"{self.policy} when {self.field} {self.rule} {self.value!r}"


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[BasicRule, ...] = ()

    def includes(self, document: Document) -> bool:
        for rule in self.rules:
            if rule.matches(document):
                return rule.policy == "include"
        return True

    def __bool__(self) -> bool:
        return bool(self.rules)


class RulesError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid sync rules:\n" + "\n".join(f"  - {p}" for p in problems))


def parse_rules(raw: Any, problems: list[str] | None = None) -> RuleSet:
    """Validate ``[[rules]]``; appends to ``problems`` (or raises RulesError) naming each one."""
    own = problems is None
    found: list[str] = [] if problems is None else problems
    if raw is None:
        return RuleSet()
    if not isinstance(raw, list):
        found.append("rules: must be a list of tables ([[rules]])")
        raw = []
    rules = []
    for position, entry in enumerate(raw, start=1):
        rule = _parse_rule(position, entry, found)
        if rule is not None:
            rules.append(rule)
    if own and found:
        raise RulesError(found)
    return RuleSet(tuple(rules))


def _parse_rule(position: int, entry: Any, problems: list[str]) -> BasicRule | None:
    where = f"rules[{position}]"
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: must be a table with field, rule, value, policy")
        return None
    count = len(problems)
    for key in entry:
        if key not in ("field", "rule", "value", "policy"):
            problems.append(f"{where}: unknown key '{key}'")
    field, rule = entry.get("field"), entry.get("rule")
    value, policy = entry.get("value"), entry.get("policy", "include")
    if not isinstance(field, str) or field not in FIELDS:
        close = difflib.get_close_matches(str(field), sorted(FIELDS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(f"{where}: unknown field {field!r}{hint}")
    if rule not in OPERATORS:
        problems.append(f"{where}: rule {rule!r} is not one of {', '.join(OPERATORS)}")
    if policy not in POLICIES:
        problems.append(f"{where}: policy {policy!r} is not include or exclude")
    if value is None or isinstance(value, (list, dict)):
        problems.append(f"{where}: value must be a string, number, boolean or date")
    if len(problems) > count:
        return None
    assert isinstance(field, str) and isinstance(rule, str) and isinstance(policy, str)
    matcher = _matcher(field, rule, value, f"{where} ({field} {rule} {value!r})", problems)
    if matcher is None:
        return None
    return BasicRule(position, field, rule, str(value), policy, matcher, value)


def _rebuilt_rule(position: int, entry: dict[str, Any]) -> BasicRule:
    problems: list[str] = []
    rule = _parse_rule(position, entry, problems)
    if rule is None:  # it was valid when the configuration was read
        raise RulesError(problems)
    return rule


def _matcher(
    field: str, rule: str, value: Any, where: str, problems: list[str]
) -> Callable[[Any], bool] | None:
    if rule == "regex":
        try:
            pattern = re.compile(str(value))
        except re.error as exc:
            problems.append(f"{where}: the regex does not compile: {exc}")
            return None
        return lambda v: pattern.search(str(v)) is not None
    if field in DATE_FIELDS and rule in ("equals", "<", ">"):
        return _date_matcher(rule, value, where, problems)
    if field in NUMBER_FIELDS and rule in ("equals", "<", ">"):
        return _number_matcher(rule, value, where, problems)
    if field in BOOLEAN_FIELDS:
        return _boolean_matcher(rule, value, where, problems)
    if rule in ("<", ">"):
        problems.append(f"{where}: '{rule}' compares dates or numbers; {field} is text")
        return None
    text = str(value).lower()
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda v: v == text,
        "contains": lambda v: text in v,
        "starts_with": lambda v: v.startswith(text),
        "ends_with": lambda v: v.endswith(text),
    }
    test = tests[rule]
    return lambda v: test(str(v).lower())


def _date_matcher(
    rule: str, value: Any, where: str, problems: list[str]
) -> Callable[[Any], bool] | None:
    try:
        # Relative dates are evaluated when the rule is checked, so `now-90d`
        # keeps meaning "the last 90 days" on every sync.
        relative = isinstance(value, str) and bool(_RELATIVE.match(value.strip()))
        fixed = None if relative else _as_datetime(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a date (ISO 8601 or now-90d)")
        return None

    def bound() -> datetime:
        return parse_date(str(value)) if relative else fixed  # type: ignore[return-value]

    def test(v: Any) -> bool:
        try:
            actual = _as_datetime(v)
        except (TypeError, ValueError):
            return False
        if rule == "equals":
            return actual.date() == bound().date() if _is_date_only(value) else actual == bound()
        return actual < bound() if rule == "<" else actual > bound()

    return test


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return parse_date(str(value))


def _is_date_only(value: Any) -> bool:
    return (
        isinstance(value, date)
        and not isinstance(value, datetime)
        or (isinstance(value, str) and len(value.strip()) == 10)
    )


def _number_matcher(
    rule: str, value: Any, where: str, problems: list[str]
) -> Callable[[Any], bool] | None:
    try:
        bound = float(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a number")
        return None

    def test(v: Any) -> bool:
        try:
            actual = float(v)
        except (TypeError, ValueError):
            return False
        return {"equals": actual == bound, "<": actual < bound, ">": actual > bound}[rule]

    return test


def _boolean_matcher(
    rule: str, value: Any, where: str, problems: list[str]
) -> Callable[[Any], bool] | None:
    words = {"true": True, "false": False}
    wanted = value if isinstance(value, bool) else words.get(str(value).lower())
    if rule != "equals" or wanted is None:
        problems.append(f"{where}: compare a yes/no field with equals true or false")
        return None
    return lambda v: bool(v) is wanted
