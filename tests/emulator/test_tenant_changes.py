"""Changing a loaded tenant: sequence numbers, tombstones and stable ids for incremental sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlook_emulator.tenant.changes import NotFound, delete_file, move_file, put_file
from outlook_emulator.tenant.common import UnrepresentableFile
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Event, Folder, Message, Tenant

BOX = "alice@contoso.example"


def mail(subject: str) -> bytes:
    return (
        f"From: bob@contoso.example\nTo: {BOX}\nSubject: {subject}\n"
        "Date: Tue, 03 Sep 2024 10:00:00 +0000\n\nAbout the kayak order.\n"
    ).encode()


SERIES = b"""BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:s
DTSTART:20240902T090000Z
RRULE:FREQ=DAILY;COUNT=3
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:s
RECURRENCE-ID:20240903T090000Z
DTSTART:20240903T100000Z
SUMMARY:Stand-up (late)
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def tenant(tmp_path: Path) -> Tenant:
    (tmp_path / "tenant.toml").write_text("", encoding="utf-8")
    inbox = tmp_path / "mailboxes" / BOX / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "first.eml").write_bytes(mail("First"))
    (tmp_path / "mailboxes" / BOX / "Projects").mkdir()
    return load_tenant(tmp_path)


def folder(tenant: Tenant, path: str) -> Folder:
    found = tenant.mailboxes[BOX].folder_by_path(path)
    assert found is not None
    return found


def test_a_loaded_folder_reports_everything_since_zero_and_nothing_since_now(
    tenant: Tenant,
) -> None:
    inbox = folder(tenant, "inbox")
    changed, gone = inbox.changes_since(0)
    assert [m.path for m in changed] == ["inbox/first.eml"] and gone == []
    assert inbox.changes_since(tenant.mailboxes[BOX].seq) == ([], [])


def test_put_creates_then_replaces_keeping_the_id(tenant: Tenant) -> None:
    inbox, mailbox = folder(tenant, "inbox"), tenant.mailboxes[BOX]
    mark = mailbox.seq
    new_id = put_file(tenant, BOX, "inbox/second.eml", mail("Second"))
    changed, _ = inbox.changes_since(mark)
    assert [m.id for m in changed] == [new_id]
    mark = mailbox.seq
    same_id = put_file(tenant, BOX, "inbox/second.eml", mail("Second, corrected"))
    assert same_id == new_id
    changed, gone = inbox.changes_since(mark)
    assert [(m.id, m.subject) for m in changed if isinstance(m, Message)] == [
        (new_id, "Second, corrected")
    ]
    assert gone == [] and len(inbox.items) == 2


def test_delete_leaves_a_tombstone(tenant: Tenant) -> None:
    inbox, mailbox = folder(tenant, "inbox"), tenant.mailboxes[BOX]
    mark = mailbox.seq
    item_id = delete_file(tenant, BOX, "inbox/first.eml")
    changed, gone = inbox.changes_since(mark)
    assert changed == [] and [(t.item_id, t.folder_id) for t in gone] == [(item_id, inbox.id)]
    assert gone[0].deleted_seq == mailbox.seq
    assert inbox.changes_since(mailbox.seq) == ([], [])
    with pytest.raises(NotFound, match="first.eml"):
        delete_file(tenant, BOX, "inbox/first.eml")


def test_move_keeps_the_id_and_shows_as_gone_here_changed_there(tenant: Tenant) -> None:
    inbox, projects, mailbox = (
        folder(tenant, "inbox"),
        folder(tenant, "Projects"),
        tenant.mailboxes[BOX],
    )
    item_id = next(iter(inbox.items))
    mark = mailbox.seq
    assert move_file(tenant, BOX, "inbox/first.eml", "Projects/first.eml") == item_id
    assert inbox.changes_since(mark)[1][0].item_id == item_id
    moved = projects.changes_since(mark)[0]
    assert [(m.id, m.path, m.folder_id) for m in moved] == [
        (item_id, "Projects/first.eml", projects.id)
    ]
    # A new file at the old path is a different item with a different id.
    fresh = put_file(tenant, BOX, "inbox/first.eml", mail("Another first"))
    assert fresh != item_id
    assert mailbox.find_item(item_id) is not None and mailbox.find_item(fresh) is not None


def test_recreating_a_deleted_path_gives_a_new_id(tenant: Tenant) -> None:
    old = delete_file(tenant, BOX, "inbox/first.eml")
    new = put_file(tenant, BOX, "inbox/first.eml", mail("First again"))
    assert new != old


def test_a_file_of_several_items_changes_as_one(tenant: Tenant) -> None:
    master_id = put_file(tenant, BOX, "calendar/standup.ics", SERIES)
    calendar, mailbox = folder(tenant, "calendar"), tenant.mailboxes[BOX]
    events = {e.path: e for e in calendar.items.values()}
    exception = events["calendar/standup.ics#1"]
    assert isinstance(exception, Event) and exception.series_master_id == master_id
    mark = mailbox.seq
    only_master = SERIES.split(b"BEGIN:VEVENT\nUID:s\nRECURRENCE-ID")[0] + b"END:VCALENDAR\n"
    assert put_file(tenant, BOX, "calendar/standup.ics", only_master) == master_id
    changed, gone = calendar.changes_since(mark)
    assert [e.id for e in changed] == [master_id]
    assert [t.item_id for t in gone] == [exception.id]


def test_bad_requests_name_what_is_wrong(tenant: Tenant) -> None:
    with pytest.raises(NotFound, match="nobody@contoso.example"):
        put_file(tenant, "nobody@contoso.example", "inbox/x.eml", mail("x"))
    with pytest.raises(NotFound, match="Nowhere"):
        put_file(tenant, BOX, "Nowhere/x.eml", mail("x"))
    with pytest.raises(UnrepresentableFile, match="empty"):
        put_file(tenant, BOX, "inbox/x.eml", b"")
    with pytest.raises(UnrepresentableFile, match=".vcf"):
        put_file(tenant, BOX, "contacts/x.eml", mail("x"))
    with pytest.raises(UnrepresentableFile, match="calendar"):
        move_file(tenant, BOX, "inbox/first.eml", "calendar/first.eml")
    assert len(folder(tenant, "inbox").items) == 1
