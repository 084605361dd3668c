"""The ``folders`` rule on both sources: only the chosen mail folders are ever opened.

Exchange Online (Graph) and Exchange Server (EWS) read the same tenant; the
emulator counts which folders' items were asked for, and changing the rule
brings the index to exactly what a fresh sync under the new rule gives.
"""

from __future__ import annotations

import ssl
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from lxml import etree

from outlook_connector.sources.ews.folders import is_mail, parse_folder
from outlook_emulator.tenant import ids
from tests.connector_run import cloud_config, connector, export, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"
# Tenant folder path -> subjects of its mails.
MAILS = {
    "inbox": ["Inbox one", "Inbox two"],
    "inbox/Receipts": ["Receipt"],
    "sentitems": ["Sent one"],
    "deleteditems": ["Deleted one"],
    "drafts": ["Draft one"],
    "Projects/Q3": ["Q3 plan"],
    "Projects/Q4": ["Q4 plan"],
}
EVERYTHING_BUT_DELETED_AND_DRAFTS = sorted(
    s
    for path, subjects in MAILS.items()
    if path not in ("deleteditems", "drafts")
    for s in subjects
)
SOURCES = ["cloud", "server"]


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tenant")
    write_tenant(root, [ALICE])
    for folder, subjects in MAILS.items():
        for i, subject in enumerate(subjects):
            write_mail(root, ALICE, f"{folder}/m{i}.eml", subject, f"body of {subject}")
    return root


@pytest.fixture(scope="module")
def emulator(tenant: Path) -> Any:
    with running_emulator(tenant) as info:
        yield info


def config(source: str, path: Path, info: dict[str, Any], index: Path, folders: str | None) -> Path:
    extra = f"[advanced_rules]\nfolders = {folders}\n" if folders else ""
    if source == "cloud":
        return cloud_config(path, info, index, extra)
    return server_config(path, info, index, [ALICE], extra)


class Stats:
    def __init__(self, info: dict[str, Any]) -> None:
        tls = ssl.create_default_context(cafile=info["ca_cert"])
        self.client = httpx.Client(base_url=info["login_url"], verify=tls)

    def reset(self) -> None:
        self.client.delete("/_emulator/stats")

    def folders_read(self) -> dict[str, int]:
        """Mail folder id -> requests for its items, on either protocol (EWS reads contacts,
        calendars and tasks with the same operation)."""
        stats = self.client.get("/_emulator/stats").json()
        read: dict[str, int] = defaultdict(int)
        for path, count in stats["paths"].items():
            if "/messages" in path:
                assert "/mailFolders/" in path, path  # every mail is read through its folder
                read[unquote(path.split("/mailFolders/")[1].split("/")[0])] += count
        for operation, count in stats["folder_operations"].items():
            name, _, folder = operation.partition(" ")
            if name in ("SyncFolderItems", "FindItem") and folder not in OTHER_KINDS:
                read[folder] += count
        return dict(read)


def folder_id(path: str) -> str:
    return ids.folder_id(ALICE, path)


OTHER_KINDS = {folder_id(path) for path in ("contacts", "calendar", "tasks")}


def titles(index_config: Path) -> list[str]:
    return sorted(doc["title"] for doc in export(index_config).values())


@pytest.mark.parametrize("source", SOURCES)
def test_named_folders_alone_are_read(
    source: str, emulator: dict[str, Any], tmp_path: Path
) -> None:
    stats = Stats(emulator)
    path = config(
        source, tmp_path / "c.toml", emulator, tmp_path / "i.db", '["inbox", "Projects/Q3"]'
    )
    stats.reset()
    assert sync_json(path)["errors"] == []

    docs = {doc["title"]: doc for doc in export(path).values()}
    assert sorted(docs) == ["Inbox one", "Inbox two", "Q3 plan"]
    assert docs["Inbox one"]["type"] == "Inbox Mails"
    assert docs["Q3 plan"]["type"] == "Folder Mails"
    assert docs["Q3 plan"]["folder"] == "Projects/Q3"  # searchable by its path
    # No request for the items of any other folder, not even of Q3's sibling or the sent items.
    assert set(stats.folders_read()) == {folder_id("inbox"), folder_id("Projects/Q3")}
    if source == "cloud":  # Graph lists child folders only where Q3 may be
        paths = stats.client.get("/_emulator/stats").json()["paths"]
        listed = [p for p in paths if p.endswith("/childFolders")]
        assert [unquote(p.split("/")[-2]) for p in listed] == [folder_id("Projects")]


@pytest.mark.parametrize("source", SOURCES)
def test_well_known_names_alone_never_list_the_folder_tree(
    source: str, emulator: dict[str, Any], tmp_path: Path
) -> None:
    stats = Stats(emulator)
    path = config(source, tmp_path / "c.toml", emulator, tmp_path / "i.db", '["Drafts"]')
    stats.reset()
    assert sync_json(path)["errors"] == []
    docs = list(export(path).values())
    assert [(d["title"], d["type"]) for d in docs] == [("Draft one", "Draft Mails")]
    seen = stats.client.get("/_emulator/stats").json()
    assert not [p for p in seen["paths"] if p.endswith(("/mailFolders", "/childFolders"))]
    assert not [
        op for op in seen["folder_operations"] if op.startswith("FindFolder msgfolderroot")
    ]
    assert set(stats.folders_read()) == {folder_id("drafts")}


@pytest.mark.parametrize("source", SOURCES)
def test_all_is_every_folder_but_deleted_items_and_drafts_unless_named(
    source: str, emulator: dict[str, Any], tmp_path: Path
) -> None:
    stats = Stats(emulator)
    everything = config(source, tmp_path / "a.toml", emulator, tmp_path / "a.db", '"all"')
    stats.reset()
    assert sync_json(everything)["errors"] == []
    assert titles(everything) == EVERYTHING_BUT_DELETED_AND_DRAFTS
    read = stats.folders_read()
    assert folder_id("deleteditems") not in read and folder_id("drafts") not in read

    deleted = config(
        source, tmp_path / "d.toml", emulator, tmp_path / "d.db", '["all", "deleteditems"]'
    )
    assert sync_json(deleted)["errors"] == []
    docs = {doc["title"]: doc for doc in export(deleted).values()}
    assert sorted(docs) == sorted([*EVERYTHING_BUT_DELETED_AND_DRAFTS, "Deleted one"])
    assert docs["Deleted one"]["type"] == "Deleted Mails"
    assert docs["Receipt"]["folder"] == "Inbox/Receipts"
    assert docs["Sent one"]["type"] == "Sent Mails"


@pytest.mark.parametrize("source", SOURCES)
def test_narrowing_then_widening_equals_a_fresh_sync_under_the_final_rules(
    source: str, emulator: dict[str, Any], tmp_path: Path
) -> None:
    changing = tmp_path / "changing.toml"
    steps = [
        ("default", None),
        ("narrow", '["Projects/Q3"]'),
        ("wide", '["all", "drafts"]'),
        ("names", '["inbox", "sentitems"]'),
    ]
    for step, folders in steps:
        config(source, changing, emulator, tmp_path / "changing.db", folders)
        assert sync_json(changing)["errors"] == [], step
        fresh = config(
            source, tmp_path / f"{step}.toml", emulator, tmp_path / f"{step}.db", folders
        )
        assert sync_json(fresh)["errors"] == [], step
        assert export(changing) == export(fresh), step
        if step == "default":  # the four default folders, as without the rule
            assert titles(changing) == ["Inbox one", "Inbox two", "Sent one"]
        if step == "wide":
            assert titles(changing) == sorted([*EVERYTHING_BUT_DELETED_AND_DRAFTS, "Draft one"])


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("value", ["[]", "5", '["inbox", ""]', '["Projects//Q3"]'])
def test_invalid_values_are_rejected_naming_the_rule(
    source: str, value: str, tmp_path: Path
) -> None:
    info = {"graph_url": "https://127.0.0.1:9/v1.0", "login_url": "https://127.0.0.1:9",
            "ews_url": "https://127.0.0.1:9/EWS/Exchange.asmx", "ca_cert": ""}  # fmt: skip
    path = config(source, tmp_path / "c.toml", info, tmp_path / "i.db", value)
    result = connector("check", "--config", str(path))
    assert result.returncode != 0
    assert "advanced_rules.folders" in result.stderr + result.stdout


@pytest.mark.parametrize("source", SOURCES)
def test_check_says_folders_are_chosen_before_the_sync(
    source: str, emulator: dict[str, Any], tmp_path: Path
) -> None:
    path = config(source, tmp_path / "c.toml", emulator, tmp_path / "i.db", '["inbox"]')
    out = connector("check", "--config", str(path)).stdout
    assert "  folders: before the sync:" in out and "other folders are never opened" in out


def test_hidden_folders_on_exchange_server_are_left_out_as_graph_leaves_them_out() -> None:
    def folder(hidden: str | None, folder_class: str = "IPF.Note") -> Any:
        prop = (
            '<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/>'
            f"<t:Value>{hidden}</t:Value></t:ExtendedProperty>"
            if hidden
            else ""
        )
        return parse_folder(
            etree.fromstring(
                '<t:Folder xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
                f'<t:FolderId Id="f1"/><t:DisplayName>Yammer Root</t:DisplayName>'
                f"<t:FolderClass>{folder_class}</t:FolderClass>{prop}</t:Folder>"
            )
        )

    assert folder("true").hidden and not is_mail(folder("true"))
    assert is_mail(folder("false")) and is_mail(folder(None))  # never set: not hidden
    assert is_mail(folder(None, "IPF.Note.OutlookHomepage"))
    assert not is_mail(folder(None, "IPF.Contact"))
