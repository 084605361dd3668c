"""Advanced rules are applied at the source: what they exclude is never requested.

And changing the rules brings the index to exactly what the new rules select.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from outlook_emulator.tenant.loader import load_tenant
from tests.connector_run import cloud_config, export, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE, BOB = "alice@contoso.example", "bob@contoso.example"
NARROW = """
[advanced_rules]
mailboxes_exclude = ["bob@*"]
object_types = ["Inbox Mails"]
received_after = "2024-01-01"
"""


def tenant_folder(root: Path) -> Path:
    write_tenant(root, [ALICE, BOB])
    for i in range(3):
        write_mail(
            root,
            ALICE,
            f"inbox/old{i}.eml",
            f"Old mail {i}",
            "old",
            when=datetime(2023, 5, 1 + i, tzinfo=UTC),
        )
    for i in range(2):
        write_mail(
            root,
            ALICE,
            f"inbox/new{i}.eml",
            f"New mail {i}",
            "new",
            when=datetime(2024, 6, 1 + i, tzinfo=UTC),
        )
    write_mail(root, ALICE, "sentitems/s.eml", "Sent", "sent")
    for i in range(3):
        write_mail(root, BOB, f"inbox/b{i}.eml", f"Bob mail {i}", "bob")
    contacts = root / "mailboxes" / ALICE / "contacts"
    contacts.mkdir()
    (contacts / "c.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Joana Silva\r\nEND:VCARD\r\n")
    return root


class Emulator:
    def __init__(self, info: dict[str, Any]) -> None:
        self.client = httpx.Client(
            base_url=info["login_url"], verify=ssl.create_default_context(cafile=info["ca_cert"])
        )

    def paths(self) -> dict[str, int]:
        return dict(self.client.get("/_emulator/stats").json()["paths"])

    def reset(self) -> None:
        self.client.delete("/_emulator/stats")


def test_excluded_mailboxes_types_and_dates_are_never_requested(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant")
    bob_id = load_tenant(root).user(BOB).id  # type: ignore[union-attr]
    with running_emulator(root) as info:
        emulator = Emulator(info)
        config = cloud_config(
            tmp_path / "c.toml", info, tmp_path / "i.db", "page_size = 1\n" + NARROW
        )
        emulator.reset()
        assert sync_json(config)["errors"] == []
        paths = emulator.paths()

    assert sorted(d["title"] for d in export(config).values()) == ["New mail 0", "New mail 1"]
    assert not [p for p in paths if bob_id in p or BOB in p]  # bob's mailbox is never opened
    # Folders may be looked up to list the mailbox's collections; their items are never asked for.
    items = ("/messages", "/contacts", "/events", "/calendarView", "/tasks", "/attachments")
    asked = [p for p in paths if p.endswith(items) or "/messages/" in p]
    assert len(asked) == 1 and asked[0].endswith("/messages/delta"), asked  # the inbox only
    inbox = paths[asked[0]]
    # one mail a page: the two new mails, never the three old ones
    assert 1 <= inbox <= 3, paths


def test_narrowing_then_widening_equals_a_fresh_sync_under_the_final_rules(tmp_path: Path) -> None:
    root = tenant_folder(tmp_path / "tenant")
    with running_emulator(root) as info:
        changing = tmp_path / "changing.toml"
        steps = [("wide", ""), ("narrow", NARROW), ("wide again", "")]
        for step, rules in steps:
            cloud_config(changing, info, tmp_path / "changing.db", rules)
            assert sync_json(changing)["errors"] == [], step
            fresh = cloud_config(tmp_path / f"{step}.toml", info, tmp_path / f"{step}.db", rules)
            assert sync_json(fresh)["errors"] == []
            assert export(changing) == export(fresh), step
    assert len(export(changing)) == 10  # everything is back
