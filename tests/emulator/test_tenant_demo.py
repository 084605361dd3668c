"""The bundled demo tenant: current with its builder, complete, and worth searching."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest

from outlook_emulator.demo_tenant_builder import DEMO_TENANT, build_demo_tenant
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import (
    Contact,
    ContactGroup,
    Event,
    Item,
    Message,
    Task,
    Tenant,
)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant(DEMO_TENANT)


def all_items(tenant: Tenant) -> list[Item]:
    return [
        item
        for mailbox in tenant.mailboxes.values()
        for folder in mailbox.folders.values()
        for item in folder.items.values()
    ]


def text_of(item: Item) -> str:
    fields = ("subject", "title", "display_name", "body_text", "location")
    return " ".join(str(getattr(item, f, "") or "") for f in fields).lower()


def test_the_shipped_files_are_what_the_builder_writes(tmp_path: Path) -> None:
    build_demo_tenant(tmp_path / "demo")
    assert tree(tmp_path / "demo") == tree(DEMO_TENANT)


def test_it_stays_small() -> None:
    assert sum(len(data) for data in tree(DEMO_TENANT).values()) < 3_000_000


def test_it_loads_without_skipping_anything(tenant: Tenant) -> None:
    assert tenant.skipped == []
    assert tenant.domain == "contoso.example"
    app = tenant.applications[0]
    assert set(app.permissions) == {
        "User.Read.All",
        "MailboxSettings.Read",
        "Mail.Read",
        "Contacts.Read",
        "Calendars.Read",
        "Tasks.Read.All",
        "GroupMember.Read.All",
    }
    # Management is nested in the staff group: the staff's mailboxes are every enabled person's.
    staff = tenant.group("staff@contoso.example")
    assert staff is not None and staff.kind == "microsoft365"
    members = {m.id for m in tenant.transitive_members(staff)}
    assert {u.id for u in tenant.users if u.enabled and u.kind == "user"} <= members
    assert tenant.service_account is not None and tenant.service_account.impersonation
    assert len(tenant.users) >= 6
    assert [u.mail for u in tenant.users if not u.enabled] == ["tom.baker@contoso.example"]
    assert [u.mail for u in tenant.users if u.kind == "shared"] == ["support@contoso.example"]


def test_it_holds_every_kind_of_item(tenant: Tenant) -> None:
    items = all_items(tenant)
    messages = [i for i in items if isinstance(i, Message)]
    assert 200 <= len(messages) <= 600
    assert any(isinstance(i, Contact) for i in items)
    groups = [i for i in items if isinstance(i, ContactGroup)]
    assert groups and all(m.address and "@" in m.address for g in groups for m in g.members)
    events = [i for i in items if isinstance(i, Event)]
    assert any(e.recurrence is not None for e in events)
    assert any(e.series_master_id for e in events)
    assert any(e.is_all_day for e in events)
    tasks = [i for i in items if isinstance(i, Task)]
    assert {"completed", "inProgress", "notStarted"} <= {t.status for t in tasks}
    folders = {m.path.split("/")[0] for m in messages}
    assert {"inbox", "sentitems", "archive", "junkemail", "drafts", "deleteditems"} <= folders
    assert any(m.item_class == "IPM.Schedule.Meeting.Request" for m in messages)


def test_threads_span_mailboxes(tenant: Tenant) -> None:
    messages = [i for i in all_items(tenant) if isinstance(i, Message)]
    threads: dict[str, set[str]] = {}
    for message in messages:
        box = message.folder_id
        threads.setdefault(message.conversation_id, set()).add(box)
    assert max(len(boxes) for boxes in threads.values()) >= 4
    replies = [m for m in messages if m.in_reply_to]
    assert len(replies) > 50


def test_user_folders_and_child_calendars(tenant: Tenant) -> None:
    emma = tenant.mailboxes["emma.lind@contoso.example"]
    launch = emma.folder_by_path("Projects/Fjord Launch")
    projects = emma.folder_by_path("Projects")
    assert launch is not None and projects is not None and launch.parent_id == projects.id
    assert launch.items
    launches = emma.folder_by_path("calendar/Product Launches")
    assert launches is not None and launches.kind == "calendar" and launches.items


@pytest.mark.parametrize("word", ["kayak", "invoice", "lisbon"])
def test_demo_searches_find_real_work(tenant: Tenant, word: str) -> None:
    hits = [i for i in all_items(tenant) if word in text_of(i)]
    assert len(hits) >= 20
    assert len({i.folder_id for i in hits}) >= 5


def test_attachments_are_real_documents(tenant: Tenant) -> None:
    files = {a.name: a for i in all_items(tenant) for a in i.attachments}
    contract = docx.Document(io.BytesIO(files["NPW-supply-contract-2026-draft.docx"].content))
    assert any("8.5%" in p.text for p in contract.paragraphs)
    book = openpyxl.load_workbook(io.BytesIO(files["Invoice-NPW-26-0012.xlsx"].content))
    assert book.active["C1"].value == "Invoice NPW-26-0012"
    assert b"Fjord 430" in files["NPW-price-list-2026.csv"].content
    assert "Casa do Mar" in files["Lisbon-trip-notes.txt"].content.decode("utf-8")
