"""The ``folders`` rule: parsing its entries and choosing folders of a mailbox's tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlook_connector.config import ConfigError, load_config
from outlook_connector.documents import OBJECT_TYPES, mail_type
from outlook_connector.sync.advanced_rules import (
    FolderNode,
    FolderRule,
    folder_tree,
    parse_advanced_rules,
)

ROOT_LEVEL = {"i": "inbox", "s": "sentitems", "d": "deleteditems", "dr": "drafts", "j": "junkemail"}
TREE = [
    ("i", "root", "Posteingang", True),
    ("s", "root", "Sent Items", True),
    ("d", "root", "Deleted Items", True),
    ("dr", "root", "Drafts", True),
    ("j", "root", "Junk Email", True),
    ("p", "root", "Projects", True),
    ("q3", "p", "Q3", True),
    ("q4", "p", "Q4", True),
    ("deep", "q3", "Invoices", True),
    ("r", "i", "Receipts", True),
    ("old", "d", "Old", True),
    ("g", "root", "[Gmail]", True),
    ("gs", "g", "Sent", True),
    ("c", "root", "Contacts", False),
    ("cc", "c", "Unclassed", True),
]


def parse(value: object) -> tuple[FolderRule, list[str]]:
    problems: list[str] = []
    rules = parse_advanced_rules({"folders": value}, problems)
    return FolderRule(rules.folders), problems


def chosen(value: object) -> list[str]:
    rule, problems = parse(value)
    assert problems == []
    return sorted(n.path for n in folder_tree(TREE, ROOT_LEVEL) if rule.selects(n))


def test_entries_are_names_paths_or_all_matched_without_case() -> None:
    rule, problems = parse(["Inbox", "/Projects/Q3/", " SentItems ", "ALL"])
    assert problems == []
    assert rule.names == ("inbox", "sentitems")
    assert rule.patterns == ("projects/q3",)
    assert rule.everything and rule.needs_tree
    assert not FolderRule(("inbox", "drafts")).needs_tree  # well-known names need no tree
    assert parse("all")[0].everything  # a single string is a list of one


@pytest.mark.parametrize("value", [[], "", ["inbox", ""], ["inbox", 3], 7, {"a": 1}])
def test_anything_but_a_list_of_non_empty_strings_is_a_problem_naming_the_key(
    value: object,
) -> None:
    _, problems = parse(value)
    assert problems and all(p.startswith("advanced_rules.folders: ") for p in problems)


def test_a_path_with_an_empty_folder_name_is_a_problem() -> None:
    _, problems = parse(["Projects//Q3"])
    assert problems == ["advanced_rules.folders: 'Projects//Q3' is not a folder path (an empty "
                        "folder name)"]  # fmt: skip


def test_invalid_folders_fail_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        'tenant_id = "t"\nclient_id = "c"\nclient_secret = "s"\n'
        '[index]\npath = "i.db"\n[advanced_rules]\nfolders = "  "\n'
    )
    with pytest.raises(ConfigError, match=r"advanced_rules\.folders"):
        load_config(path, environ={})


def test_names_choose_the_well_known_folder_only() -> None:
    assert chosen(["inbox", "deleteditems"]) == ["Deleted Items", "Posteingang"]


def test_paths_match_display_names_or_the_well_known_name_as_first_folder() -> None:
    assert chosen(["projects/q3"]) == ["Projects/Q3"]
    assert chosen(["Posteingang/Receipts"]) == ["Posteingang/Receipts"]
    assert chosen(["Inbox/Receipts"]) == ["Posteingang/Receipts"]


def test_a_name_with_wildcard_characters_is_matched_as_written() -> None:
    assert chosen(["[Gmail]/Sent"]) == ["[Gmail]/Sent"]
    nodes = {n.id: n for n in folder_tree(TREE, ROOT_LEVEL)}
    assert FolderRule(("[gmail]/sent",)).may_select_below(nodes["g"])


def test_wildcards_choose_every_folder_below() -> None:
    assert chosen(["Projects/*"]) == ["Projects/Q3", "Projects/Q3/Invoices", "Projects/Q4"]
    assert chosen(["*/q?"]) == ["Projects/Q3", "Projects/Q4"]


def test_all_leaves_out_deleted_items_and_drafts_unless_named() -> None:
    everything = [
        "Junk Email",
        "Posteingang",
        "Posteingang/Receipts",
        "Projects",
        "Projects/Q3",
        "Projects/Q3/Invoices",
        "Projects/Q4",
        "Sent Items",
        "[Gmail]",
        "[Gmail]/Sent",
    ]
    assert chosen("all") == everything
    assert chosen(["all", "deleteditems"]) == sorted(
        [*everything, "Deleted Items", "Deleted Items/Old"]
    )
    assert chosen(["all", "Drafts"]) == sorted([*everything, "Drafts"])


def test_other_kinds_of_folder_and_what_is_below_them_are_never_chosen() -> None:
    assert "Contacts" not in chosen(["*"])
    assert "Contacts/Unclassed" not in chosen(["all", "contacts/*"])


def test_children_are_listed_only_where_a_folder_may_be_chosen() -> None:
    nodes = {n.id: n for n in folder_tree(TREE, ROOT_LEVEL)}
    q3 = FolderRule(("projects/q3",))
    assert q3.may_select_below(nodes["p"])
    assert not q3.may_select_below(nodes["q3"]) and not q3.may_select_below(nodes["i"])
    below = FolderRule(("projects/*",))
    assert below.may_select_below(nodes["q3"]) and not below.may_select_below(nodes["i"])
    everything = FolderRule(("all",))
    assert everything.may_select_below(nodes["i"]) and not everything.may_select_below(nodes["d"])
    assert FolderRule(("inbox/*",)).may_select_below(nodes["i"])  # by its well-known name


def test_entries_that_chose_nothing_are_reported() -> None:
    rule = FolderRule(("inbox", "archive", "projects/q9", "all"))
    assert rule.unmatched(folder_tree(TREE, ROOT_LEVEL)) == ["archive", "projects/q9"]


def test_a_loop_in_a_broken_listing_does_not_hang() -> None:
    nodes = folder_tree([("a", "b", "A", True), ("b", "a", "B", True)], {})
    assert {n.path for n in nodes} == {"B/A", "B"} or {n.path for n in nodes} == {"A/B", "A"}


def test_type_labels_of_the_new_folders_are_valid_object_types() -> None:
    assert mail_type("deleteditems") in OBJECT_TYPES
    assert mail_type("drafts") in OBJECT_TYPES
    assert mail_type(None) in OBJECT_TYPES
    assert mail_type("inbox") == "Inbox Mails"
    rules = parse_advanced_rules({"object_types": ["Folder Mails", "Draft Mails"]}, problems := [])
    assert problems == []
    assert rules.document_selected({"type": "Folder Mails"})
    assert not rules.document_selected({"type": "Inbox Mails"})


def test_plan_says_folders_are_chosen_before_the_sync() -> None:
    rules = parse_advanced_rules({"folders": ["inbox"]}, [])
    assert ("folders", "before the sync: mail folders are chosen from their names and paths; "
            "other folders are never opened") in rules.plan()  # fmt: skip


def test_a_folder_node_knows_its_own_well_known_name_only_at_the_top() -> None:
    assert FolderNode("i", "Inbox", "inbox").well_known == "inbox"
    assert FolderNode("r", "Inbox/Receipts", "inbox", is_top=False).well_known is None
