"""Exchange Online path: after changes of every kind, an incremental sync equals a fresh full sync."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from tests.connector_run import cloud_config, export, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_mail, write_tenant

ALICE = "alice@contoso.example"
BOB = "bob@contoso.example"

VCARD = """BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nN:{last};{first};;;\r\nEMAIL:{email}\r\nORG:{org}\r\nEND:VCARD\r\n"""
EVENT = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nDTSTART:20240610T090000Z\r\nDTEND:20240610T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"""
TODO = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nSUMMARY:{summary}\r\nSTATUS:{status}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"""
MAIL_WITH_ATTACHMENT = """From: vendor@fabrikam.example\r\nTo: alice@contoso.example\r\nSubject: {subject}\r\nDate: Wed, 01 May 2024 09:00:00 +0000\r\nMessage-ID: <{mid}@fabrikam.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the attached price list.\r\n--b\r\nContent-Type: text/plain; name="prices.txt"\r\nContent-Disposition: attachment; filename="prices.txt"\r\n\r\nCanoe 899 EUR, paddle 49 EUR\r\n--b--\r\n"""


def tenant_folder(root: Path) -> Path:
    write_tenant(root, [ALICE, BOB])
    for i in range(3):
        write_mail(root, ALICE, f"inbox/m{i}.eml", f"Inbox mail {i}", f"body {i}")
    write_mail(root, ALICE, "archive/old.eml", "Archived mail", "old body")
    write_mail(root, BOB, "sentitems/s.eml", "Sent by Bob", "hello")
    (root / "mailboxes" / ALICE / "inbox" / "att.eml").write_text(
        MAIL_WITH_ATTACHMENT.format(subject="Price list", mid="att1")
    )
    contacts = root / "mailboxes" / ALICE / "contacts"
    contacts.mkdir()
    (contacts / "joana.vcf").write_text(
        VCARD.format(
            name="Joana Silva",
            last="Silva",
            first="Joana",
            email="joana@lisboa.example",
            org="Lisboa",
        )
    )
    (contacts / "tom.vcf").write_text(
        VCARD.format(
            name="Tom Berg", last="Berg", first="Tom", email="tom@berg.example", org="Berg"
        )
    )
    calendar = root / "mailboxes" / ALICE / "calendar"
    calendar.mkdir()
    (calendar / "e1.ics").write_text(
        EVENT.format(uid="e1", stamp="20240501T100000Z", summary="Planning")
    )
    (calendar / "e2.ics").write_text(
        EVENT.format(uid="e2", stamp="20240501T100000Z", summary="Review")
    )
    tasks = root / "mailboxes" / ALICE / "tasks"
    tasks.mkdir()
    (tasks / "t1.ics").write_text(
        TODO.format(
            uid="t1", stamp="20240501T100000Z", summary="Order canoes", status="NEEDS-ACTION"
        )
    )
    (tasks / "t2.ics").write_text(
        TODO.format(uid="t2", stamp="20240501T100000Z", summary="Call Joana", status="NEEDS-ACTION")
    )
    return root


class Control:
    def __init__(self, emulator: dict[str, Any]) -> None:
        tls = ssl.create_default_context(cafile=emulator["ca_cert"])
        self.client = httpx.Client(base_url=emulator["login_url"], verify=tls)

    def put(self, mailbox: str, path: str, content: str) -> str:
        r = self.client.put(f"/_emulator/mailboxes/{mailbox}/{path}", content=content.encode())
        assert r.status_code in (200, 201), r.text
        return str(r.json()["id"])

    def delete(self, mailbox: str, path: str) -> None:
        r = self.client.delete(f"/_emulator/mailboxes/{mailbox}/{path}")
        assert r.status_code in (200, 204), r.text

    def move(self, mailbox: str, source: str, target: str) -> None:
        r = self.client.post(
            f"/_emulator/mailboxes/{mailbox}/move", json={"from": source, "to": target}
        )
        assert r.status_code == 200, r.text


def change_everything(control: Control) -> None:
    stamp = "20240502T100000Z"
    mail = "From: a@b.example\r\nTo: alice@contoso.example\r\nSubject: {s}\r\nDate: Thu, 02 May 2024 10:00:00 +0000\r\nMessage-ID: <{m}@b.example>\r\n\r\n{b}\r\n"
    control.put(ALICE, "inbox/new.eml", mail.format(s="Brand new mail", m="n1", b="fresh words"))
    control.put(ALICE, "inbox/m0.eml", mail.format(s="Inbox mail 0 (edited)", m="m0", b="edited"))
    control.move(ALICE, "inbox/m1.eml", "archive/m1.eml")
    control.delete(ALICE, "inbox/m2.eml")
    control.put(
        ALICE, "inbox/att.eml", mail.format(s="Price list", m="att1", b="no attachment now")
    )
    control.put(BOB, "sentitems/s2.eml", mail.format(s="Second from Bob", m="s2", b="again"))
    control.put(
        ALICE,
        "contacts/ana.vcf",
        VCARD.format(
            name="Ana Lima", last="Lima", first="Ana", email="ana@lima.example", org="Lima"
        ),
    )
    control.put(
        ALICE,
        "contacts/joana.vcf",
        VCARD.format(
            name="Joana Silva",
            last="Silva",
            first="Joana",
            email="joana@porto.example",
            org="Porto",
        ),
    )
    control.delete(ALICE, "contacts/tom.vcf")
    control.put(ALICE, "calendar/e3.ics", EVENT.format(uid="e3", stamp=stamp, summary="Launch"))
    control.put(
        ALICE, "calendar/e1.ics", EVENT.format(uid="e1", stamp=stamp, summary="Planning v2")
    )
    control.delete(ALICE, "calendar/e2.ics")
    control.put(
        ALICE,
        "tasks/t3.ics",
        TODO.format(uid="t3", stamp=stamp, summary="Ship", status="NEEDS-ACTION"),
    )
    control.put(
        ALICE,
        "tasks/t1.ics",
        TODO.format(uid="t1", stamp=stamp, summary="Order canoes", status="COMPLETED"),
    )
    control.delete(ALICE, "tasks/t2.ics")


def test_incremental_sync_equals_a_fresh_full_sync(tmp_path: Path) -> None:
    with running_emulator(tenant_folder(tmp_path / "tenant")) as emulator:
        incremental = cloud_config(tmp_path / "inc.toml", emulator, tmp_path / "inc.db")
        first = sync_json(incremental)
        assert first["errors"] == []
        before = export(incremental)
        assert any(d["type"] == "Mail Attachment" for d in before.values())

        again = sync_json(incremental)
        assert again["indexed"] == 0 and again["deleted"] == 0  # nothing changed

        change_everything(Control(emulator))
        summary = sync_json(incremental)
        assert summary["errors"] == []
        after = export(incremental)

        fresh = cloud_config(tmp_path / "fresh.toml", emulator, tmp_path / "fresh.db")
        assert sync_json(fresh)["errors"] == []
        assert after == export(fresh)

    titles = {d["title"] for d in after.values()}
    assert {
        "Brand new mail",
        "Inbox mail 0 (edited)",
        "Second from Bob",
        "Ana Lima",
        "Launch",
        "Planning v2",
        "Ship",
    } <= titles
    assert not {"Inbox mail 2", "Tom Berg", "Review", "Call Joana", "prices.txt"} & titles
    moved = [d for d in after.values() if d["title"] == "Inbox mail 1"]
    assert len(moved) == 1 and moved[0]["type"] == "Archive Mails"
    moved_before = [d for d in before.values() if d["title"] == "Inbox mail 1"]
    assert moved[0]["id"] == moved_before[0]["id"]  # a move keeps the document's id
    task = next(d for d in after.values() if d["title"] == "Order canoes")
    assert task["status"] == "completed"
