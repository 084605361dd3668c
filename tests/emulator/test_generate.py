"""`outlook-emulator generate` writes a believable, loadable, reproducible tenant folder."""

from __future__ import annotations

import argparse
import io
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest

from outlook_emulator import generate
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Contact, ContactGroup, Event, Message, Task


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_same_seed_gives_the_same_files(tmp_path: Path) -> None:
    generate.generate_tenant(tmp_path / "a", users=3, items_per_user=30, seed=5)
    generate.generate_tenant(tmp_path / "b", users=3, items_per_user=30, seed=5)
    generate.generate_tenant(tmp_path / "c", users=3, items_per_user=30, seed=6)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_the_generated_tenant_loads_completely(tmp_path: Path) -> None:
    generate.generate_tenant(tmp_path, users=4, items_per_user=60, seed=11)
    tenant = load_tenant(tmp_path)
    assert tenant.skipped == []
    assert len(tenant.users) == 4 and len(tenant.applications) == 1
    items = [
        item
        for mailbox in tenant.mailboxes.values()
        for folder in mailbox.folders.values()
        for item in folder.items.values()
    ]
    assert len(items) == 4 * 60
    kinds = Counter(type(item) for item in items)
    assert kinds[Message] > kinds[Event] > 0 and kinds[Contact] > 0 and kinds[Task] > 0
    messages = [i for i in items if isinstance(i, Message)]
    threads = Counter(m.conversation_id for m in messages)
    assert max(threads.values()) >= 3  # replies share their thread
    assert any(m.in_reply_to for m in messages)
    events = [i for i in items if isinstance(i, Event)]
    assert any(e.recurrence is not None for e in events)
    folders = {m.path.split("/")[0] for m in messages}
    assert {"inbox", "sentitems"} <= folders
    assert any(m.body_html for m in messages) and any(not m.body_html for m in messages)
    groups = [i for i in items if isinstance(i, ContactGroup)]
    assert len(groups) == 4 and all(g.members for g in groups)
    assert all("@" in m.address for g in groups for m in g.members)
    assert any(e.path.startswith("calendar/Team/") for e in events)
    assert any(e.start_timezone == "Europe/Berlin" for e in events)


def test_attachments_come_in_several_readable_formats(tmp_path: Path) -> None:
    generate.generate_tenant(tmp_path, users=2, items_per_user=150, seed=2)
    tenant = load_tenant(tmp_path)
    attachments = {
        a.name: a
        for mailbox in tenant.mailboxes.values()
        for folder in mailbox.folders.values()
        for item in folder.items.values()
        for a in item.attachments
    }
    assert {"notes.txt", "stock.csv", "report.html", "summary.docx"} <= set(attachments)
    document = docx.Document(io.BytesIO(attachments["summary.docx"].content))
    assert "kayak" in " ".join(p.text for p in document.paragraphs)
    assert attachments["stock.csv"].content.startswith(b"sku,product,qty,price")


def test_the_command_line_entry_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    generate.add_arguments(parser)
    out = tmp_path / "tenant"
    args = parser.parse_args(
        ["--users", "2", "--items-per-user", "5", "--seed", "3", "--out", str(out)]
    )
    assert generate.command(args) == 0
    assert (out / "tenant.toml").is_file() and len(list((out / "mailboxes").iterdir())) == 2
    assert generate.command(args) == 2  # never writes over an existing tenant
    assert "not empty" in capsys.readouterr().err
    bad = parser.parse_args(["--users", "0", "--out", str(tmp_path / "other")])
    assert generate.command(bad) == 2


def test_the_reused_docx_has_no_timestamp_of_its_own() -> None:
    # Zip entries carry a modification time; a clock-dependent one would break reproducibility.
    package = zipfile.ZipFile(io.BytesIO(generate.tiny_docx("Kayak")))
    assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
