"""Sync rules: Elastic's basic-rule semantics with typed values, validated up front."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outlook_connector.config import ConfigError, load_config
from outlook_connector.sync.advanced_rules import AdvancedRules, parse_advanced_rules
from outlook_connector.sync.rules import RulesError, parse_date, parse_rules

MAIL = {
    "id": "1",
    "type": "Inbox Mails",
    "title": "Quarterly invoice 2024",
    "mailbox": "a@x.example",
    "sender": "billing@vendor.example",
    "to_recipients": ["a@x.example", "finance@x.example"],
    "categories": ["Finance"],
    "received_at": "2024-05-01T09:30:00Z",
}
ATTACHMENT = {"id": "1/a", "type": "Mail Attachment", "title": "q.pdf", "size": 2_000_000}


def decide(rules: list[dict[str, object]], doc: dict[str, object] = MAIL) -> bool:
    return parse_rules(rules).includes(doc)


@pytest.mark.parametrize(
    ("rule", "value", "matches"),
    [
        ("equals", "quarterly invoice 2024", True),  # case-insensitive text
        ("equals", "Quarterly", False),
        ("contains", "invoice", True),
        ("starts_with", "quarterly", True),
        ("ends_with", "2024", True),
        ("ends_with", "2023", False),
        ("regex", r"invoice \d{4}$", True),
        ("regex", r"^invoice", False),
    ],
)
def test_text_operators(rule: str, value: str, matches: bool) -> None:
    rules = [{"field": "title", "rule": rule, "value": value, "policy": "exclude"}]
    assert decide(rules) is not matches


def test_first_matching_rule_decides_and_default_includes() -> None:
    rules = [
        {"field": "sender", "rule": "ends_with", "value": "@vendor.example", "policy": "include"},
        {"field": "type", "rule": "equals", "value": "Inbox Mails", "policy": "exclude"},
    ]
    assert decide(rules) is True
    assert decide(rules, {**MAIL, "sender": "spam@else.example"}) is False
    assert decide([], MAIL) is True


def test_list_fields_match_when_any_element_matches() -> None:
    rules = [
        {
            "field": "to_recipients",
            "rule": "equals",
            "value": "finance@x.example",
            "policy": "exclude",
        }
    ]
    assert decide(rules) is False
    rules[0]["value"] = "nobody@x.example"
    assert decide(rules) is True


def test_missing_fields_never_match_as_text_none() -> None:
    for rule, value in (("equals", "None"), ("contains", "None"), ("regex", ".*")):
        rules = [{"field": "company_name", "rule": rule, "value": value, "policy": "exclude"}]
        assert decide(rules) is True


def test_dates_compare_as_dates_including_relative() -> None:
    before = [{"field": "received_at", "rule": "<", "value": "2024-06-01", "policy": "exclude"}]
    assert (
        decide(before) is False
    )  # May is before June (as text "2024-05-01T..." < ... too; next case differs)
    tz = [
        {
            "field": "received_at",
            "rule": ">",
            "value": "2024-05-01T11:00:00+02:00",
            "policy": "exclude",
        }
    ]
    assert decide(tz) is False  # 09:30Z is after 09:00Z although "09:30" < "11:00" as text
    recent = {**MAIL, "received_at": (datetime.now(UTC) - timedelta(days=3)).isoformat()}
    last_90 = [
        {"field": "received_at", "rule": ">", "value": "now-90d", "policy": "include"},
        {"field": "type", "rule": "contains", "value": "mails", "policy": "exclude"},
    ]
    assert decide(last_90, recent) is True
    assert decide(last_90, MAIL) is False
    same_day = [
        {"field": "received_at", "rule": "equals", "value": "2024-05-01", "policy": "exclude"}
    ]
    assert decide(same_day) is False


def test_numbers_compare_as_numbers() -> None:
    big = [{"field": "size", "rule": ">", "value": "1000000", "policy": "exclude"}]
    assert decide(big, ATTACHMENT) is False
    small = [{"field": "size", "rule": "<", "value": 300, "policy": "exclude"}]
    assert decide(small, ATTACHMENT) is True  # "2000000" < "300" as text, not as numbers


def test_every_invalid_rule_is_named_with_its_position() -> None:
    with pytest.raises(RulesError) as err:
        parse_rules(
            [
                {"field": "subjekt", "rule": "equals", "value": "x", "policy": "include"},
                {"field": "title", "rule": "regex", "value": "([", "policy": "include"},
                {"field": "received_at", "rule": "<", "value": "last tuesday", "policy": "exclude"},
                {"field": "title", "rule": ">", "value": "b", "policy": "exclude"},
                {"field": "title", "rule": "like", "value": "b", "policy": "maybe"},
            ]
        )
    problems = "\n".join(err.value.problems)
    assert (
        "rules[1]: unknown field 'subjekt' (did you mean 'sender'?)" in problems
        or "rules[1]: unknown field 'subjekt'" in problems
    )
    assert "rules[2]" in problems and "regex does not compile" in problems
    assert "rules[3]" in problems and "is not a date" in problems
    assert "rules[4]" in problems and "title is text" in problems
    assert "rules[5]: rule 'like'" in problems and "rules[5]: policy 'maybe'" in problems


def test_rules_are_validated_with_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        'tenant_id = "t"\nclient_id = "c"\nclient_secret = "s"\n'
        '[[rules]]\nfield = "title"\nrule = "regex"\nvalue = "(("\npolicy = "exclude"\n'
        '[advanced_rules]\nobject_types = ["Inbox Mail"]\nrecieved_after = "2024-01-01"\n'
    )
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    problems = "\n".join(err.value.problems)
    assert "rules[1]" in problems
    assert "unknown type 'Inbox Mail' (did you mean 'Inbox Mails'?)" in problems
    assert (
        "advanced_rules.recieved_after: unknown setting (did you mean 'advanced_rules.received_after'?)"
        in problems
    )


def test_advanced_rules_select_mailboxes_types_and_windows() -> None:
    problems: list[str] = []
    rules = parse_advanced_rules(
        {
            "mailboxes_include": ["*@sales.contoso.example", "ceo@contoso.example"],
            "mailboxes_exclude": ["intern*@sales.contoso.example"],
            "object_types": ["Inbox Mails", "Calendar"],
            "received_after": "2024-01-01",
            "events_before": "2025-01-01",
            "skip_attachment_types": ["EXE", ".zip"],
        },
        problems,
    )
    assert problems == []
    assert rules.mailbox_selected("Ana@Sales.Contoso.example")
    assert rules.mailbox_selected("ceo@contoso.example")
    assert not rules.mailbox_selected("intern1@sales.contoso.example")
    assert not rules.mailbox_selected("bob@contoso.example")
    assert rules.object_type_selected("Calendar") and not rules.object_type_selected("Task")
    assert rules.document_selected(MAIL)
    assert not rules.document_selected({**MAIL, "received_at": "2023-12-31T23:59:59Z"})
    assert not rules.document_selected({**MAIL, "received_at": None})
    event = {
        "type": "Calendar",
        "start_date": "2024-12-31T10:00:00Z",
        "end_date": "2024-12-31T11:00:00Z",
    }
    assert rules.document_selected(event)
    assert not rules.document_selected({**event, "start_date": "2025-02-01T10:00:00Z"})
    assert not rules.attachment_selected("setup.EXE") and rules.attachment_selected("a.pdf")
    assert [p[0] for p in rules.plan()][:2] == [
        "mailboxes_include/mailboxes_exclude",
        "object_types",
    ]
    assert not AdvancedRules()


def test_relative_dates() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_date("now-90d", now) == now - timedelta(days=90)
    assert parse_date("now+2w", now) == now + timedelta(weeks=2)
    assert parse_date("2024-05-01") == now
