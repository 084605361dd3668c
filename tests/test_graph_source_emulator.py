"""The Graph source against the emulator, run as a separate process over HTTPS.

The tenant is written here from standard files; the documents are compared
field by field with those files, parsed with the standard library.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from outlook_connector.sources.base import (
    Collection,
    CursorExpired,
    Mailbox,
    MailboxUnavailable,
    Page,
    SourceError,
)
from outlook_connector.sources.graph import GraphSettings, GraphSource
from tests.emulators import running_emulator

TENANT_ID = "3b1e4c6a-9d2f-4a7e-8c1b-5f0a2d3e4b61"
APP = "7c2d1e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
CERT_APP = "8d3e2f4a-5b6c-4d7e-9f0a-1b2c3d4e5f60"
NO_MAIL_APP = "9e4f3a5b-6c7d-4e8f-a0b1-2c3d4e5f6a71"
SECRET = "graph-source-test-secret"
ALICE = "alice@contoso.example"
SHARED = "support@contoso.example"
DISABLED = "bob@contoso.example"
ALL_PERMISSIONS = (
    '["User.Read.All", "Mail.Read", "Contacts.Read", "Calendars.Read", "Tasks.Read.All", '
    '"MailboxSettings.Read"]'
)


def _mail(subject: str, sender: str, to: list[str], body: str, **extra: Any) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if extra.get("cc"):
        message["Cc"] = ", ".join(extra["cc"])
    message["Date"] = extra.get("date", "Tue, 01 Oct 2024 09:30:00 +0200")
    message["Message-ID"] = extra.get(
        "message_id", f"<{subject.replace(' ', '.')}@contoso.example>"
    )
    message.set_content(body)
    for name, data, mime in extra.get("attachments", []):
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a2dd5e6b0000000049454e44ae426082"
)


def _with_inline_image(message: EmailMessage) -> EmailMessage:
    """Add an image shown in the body (Content-Disposition: inline, with a Content-ID)."""
    message.add_attachment(PNG, maintype="image", subtype="png", filename="logo.png")
    image = list(message.iter_attachments())[-1]
    image.replace_header("Content-Disposition", 'inline; filename="logo.png"')
    image["Content-ID"] = "<logo@contoso.example>"
    return message


def _certificate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graph-source-test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


EVENTS_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Contoso//Test//EN
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:planning-1@contoso.example
DTSTAMP:20240901T080000Z
LAST-MODIFIED:20240901T080000Z
SUMMARY:Quarterly planning
DTSTART;TZID=W. Europe Standard Time:20241015T100000
DTEND;TZID=W. Europe Standard Time:20241015T113000
LOCATION:Room 4
DESCRIPTION:Bring the numbers.
ORGANIZER;CN=Alice:mailto:alice@contoso.example
ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:carol@contoso.example
ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:dave@fabrikam.example
END:VEVENT
BEGIN:VEVENT
UID:standup-1@contoso.example
DTSTAMP:20240901T080000Z
SUMMARY:Stand-up
DTSTART:20240902T070000Z
DTEND:20240902T071500Z
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250101T000000Z
ORGANIZER:mailto:alice@contoso.example
END:VEVENT
END:VCALENDAR
"""

ATTACHED_EVENT_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Contoso//Test//EN
BEGIN:VEVENT
UID:kickoff-1@contoso.example
DTSTAMP:20240901T080000Z
SUMMARY:Kick-off
DTSTART:20241101T090000Z
DTEND:20241101T100000Z
ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=agenda.txt:
 MS4gV2VsY29tZQo=
END:VEVENT
END:VCALENDAR
"""

BIRTHDAY_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Contoso//Test//EN
BEGIN:VEVENT
UID:bday-1@contoso.example
DTSTAMP:20240901T080000Z
SUMMARY:Carol's birthday
DTSTART;VALUE=DATE:20240312
DTEND;VALUE=DATE:20240313
RRULE:FREQ=YEARLY
END:VEVENT
END:VCALENDAR
"""

TASKS_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Contoso//Test//EN
BEGIN:VTODO
UID:task-1@contoso.example
DTSTAMP:20240901T080000Z
LAST-MODIFIED:20240902T080000Z
SUMMARY:Send the report
DESCRIPTION:Numbers for Q3.
DUE:20241020T170000Z
STATUS:IN-PROCESS
PRIORITY:1
CATEGORIES:Work
ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=figures.txt:
 MTIsMTMK
END:VTODO
END:VCALENDAR
"""

CONTACT_VCF = """BEGIN:VCARD
VERSION:3.0
FN:Carol Jones
N:Jones;Carol;;;
ORG:Fabrikam
TITLE:Buyer
EMAIL;TYPE=WORK:Carol.Jones@fabrikam.example
TEL;TYPE=WORK:+1 555 0100
TEL;TYPE=CELL:+1 555 0199
BDAY:1985-04-12
REV:20240901T080000Z
END:VCARD
"""


def _write_tenant(root: Path, cert_pem: str) -> dict[str, EmailMessage]:
    (root / "app-cert.pem").write_text(cert_pem)
    (root / "tenant.toml").write_text(
        f'tenant_id = "{TENANT_ID}"\ndomain = "contoso.example"\nnetbios_name = "CONTOSO"\n\n'
        f'[[applications]]\nclient_id = "{APP}"\nclient_secret = "{SECRET}"\n'
        f"permissions = {ALL_PERMISSIONS}\n\n"
        f'[[applications]]\nclient_id = "{CERT_APP}"\nclient_certificate = "app-cert.pem"\n'
        f"permissions = {ALL_PERMISSIONS}\n\n"
        f'[[applications]]\nclient_id = "{NO_MAIL_APP}"\nclient_secret = "{SECRET}"\n'
        'permissions = ["User.Read.All", "Contacts.Read", "Calendars.Read", "Tasks.Read.All"]\n\n'
        f'[[users]]\nmail = "{ALICE}"\ndisplay_name = "Alice Example"\n\n'
        f'[[users]]\nmail = "{SHARED}"\ndisplay_name = "Support"\nenabled = false\n'
        'kind = "shared"\n\n'
        f'[[users]]\nmail = "{DISABLED}"\ndisplay_name = "Bob Left"\nenabled = false\n'
    )
    mails = {
        "inbox/welcome.eml": _mail(
            "Welcome aboard",
            "Carol Jones <Carol.Jones@fabrikam.example>",
            [ALICE],
            "Hello Alice,\nwelcome to the team.\n",
            cc=["Dave@fabrikam.example"],
        ),
        "inbox/report.eml": _mail(
            "Q3 report",
            "dave@fabrikam.example",
            [ALICE, "carol.jones@fabrikam.example"],
            "The report is attached.\n",
            date="Wed, 02 Oct 2024 14:00:00 +0000",
            attachments=[("report.txt", b"revenue went up\n", "text/plain")],
        ),
        "inbox/third.eml": _mail("Third", "x@fabrikam.example", [ALICE], "three\n"),
        "sentitems/logo.eml": _with_inline_image(
            _mail(
                "Our logo",
                ALICE,
                ["carol.jones@fabrikam.example"],
                "See the logo.\n",
                attachments=[("notes.txt", b"notes\n", "text/plain")],
            )
        ),
        "sentitems/reply.eml": _mail(
            "Re: Welcome aboard", ALICE, ["carol.jones@fabrikam.example"], "Thanks!\n"
        ),
        "junkemail/spam.eml": _mail("You won", "spam@spam.example", [ALICE], "click\n"),
    }
    box = root / "mailboxes" / ALICE
    for relative, message in mails.items():
        path = box / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes())
    (box / "contacts").mkdir()
    (box / "contacts" / "carol.vcf").write_text(CONTACT_VCF)
    (box / "calendar" / "Birthdays").mkdir(parents=True)
    (box / "calendar" / "events.ics").write_text(EVENTS_ICS)
    (box / "calendar" / "kickoff.ics").write_text(ATTACHED_EVENT_ICS)
    (box / "calendar" / "Birthdays" / "birthdays.ics").write_text(BIRTHDAY_ICS)
    (box / "tasks").mkdir()
    (box / "tasks" / "tasks.ics").write_text(TASKS_ICS)
    shared_inbox = root / "mailboxes" / SHARED / "inbox"
    shared_inbox.mkdir(parents=True)
    (shared_inbox / "ticket.eml").write_bytes(
        _mail("Ticket 1", "customer@example.org", [SHARED], "Help!\n").as_bytes()
    )
    (root / "mailboxes" / DISABLED / "inbox").mkdir(parents=True)
    return mails


@pytest.fixture(scope="module")
def certificate() -> tuple[str, str]:
    return _certificate()


@pytest.fixture(scope="module")
def tenant(
    tmp_path_factory: pytest.TempPathFactory, certificate: tuple[str, str]
) -> tuple[Path, dict[str, EmailMessage]]:
    root = tmp_path_factory.mktemp("graph-tenant")
    return root, _write_tenant(root, certificate[1])


@pytest.fixture(scope="module")
def emulator(tenant: tuple[Path, dict[str, EmailMessage]]) -> Iterator[dict[str, Any]]:
    with running_emulator(tenant[0]) as info:
        yield info


def _settings(info: dict[str, Any], **overrides: Any) -> GraphSettings:
    values: dict[str, Any] = {
        "tenant_id": TENANT_ID,
        "client_id": APP,
        "client_secret": SECRET,
        "graph_url": info["graph_url"],
        "login_url": info["login_url"],
        "ssl_ca": Path(info["ca_cert"]).read_text(),
        "request_timeout": 20.0,
    }
    values.update(overrides)
    return GraphSettings(**values)


@pytest.fixture
def source(emulator: dict[str, Any]) -> Iterator[GraphSource]:
    with GraphSource(_settings(emulator)) as graph:
        yield graph


def _mailbox(source: GraphSource, address: str) -> Mailbox:
    return next(m for m in source.mailboxes() if m.address == address)


def _collection(
    source: GraphSource, mailbox: Mailbox, key_prefix: str, name: str | None = None
) -> Collection:
    return next(
        c
        for c in source.collections(mailbox)
        if c.key.startswith(key_prefix) and (name is None or c.name == name)
    )


def _round(
    source: GraphSource, mailbox: Mailbox, collection: Collection, cursor: str | None = None
) -> list[Page]:
    return list(source.changes(mailbox, collection, cursor))


def test_mailboxes_include_the_shared_one_and_leave_out_disabled_users(source: GraphSource) -> None:
    found = {m.address: m for m in source.mailboxes()}
    assert set(found) == {ALICE, SHARED}
    assert found[ALICE].kind == "user" and found[ALICE].display_name == "Alice Example"
    assert found[SHARED].kind == "shared"
    assert found[ALICE].id


def test_configured_mailboxes_are_resolved_and_unknown_ones_named(emulator: dict[str, Any]) -> None:
    with GraphSource(_settings(emulator, mailboxes=[SHARED.upper()])) as graph:
        assert [(m.address, m.kind) for m in graph.mailboxes()] == [(SHARED, "shared")]
    unknown = _settings(emulator, mailboxes=[ALICE, "nobody@contoso.example"])
    with GraphSource(unknown) as graph, pytest.raises(SourceError, match="nobody@contoso"):
        list(graph.mailboxes())


def test_collections_of_every_kind(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    collections = source.collections(alice)
    keys = [c.key for c in collections]
    # A missing folder in the tenant is an empty one: every mailbox has all four.
    assert keys[:4] == ["mail:inbox", "mail:sentitems", "mail:archive", "mail:junkemail"]
    by_type = {}
    for c in collections:
        by_type.setdefault(c.object_type, []).append(c.name)
    assert by_type["Inbox Mails"] == ["Inbox"]
    assert by_type["Sent Mails"] == ["Sent Items"]
    assert by_type["Junk Mails"] == ["Junk Email"]
    assert by_type["Archive Mails"] == ["Archive"]
    assert len(by_type["Contact"]) == 1
    assert sorted(by_type["Calendar"]) == ["Birthdays", "Calendar"]
    assert len(by_type["Task"]) == 1
    assert all(
        c.key.split(":", 1)[1] == c.remote_id for c in collections if not c.key.startswith("mail:")
    )


def _addresses(header: str | None) -> list[str]:
    return [a.lower() for _, a in email.utils.getaddresses([header])] if header else []


def test_inbox_mails_match_their_eml_files(
    source: GraphSource, tenant: tuple[Path, dict[str, EmailMessage]]
) -> None:
    alice = _mailbox(source, ALICE)
    pages = _round(source, alice, _collection(source, alice, "mail:inbox"))
    docs = {d["title"]: d for p in pages for d in p.upserts}
    assert set(docs) == {"Welcome aboard", "Q3 report", "Third"}
    assert pages[-1].complete and "delta" in (pages[-1].cursor or "")
    for relative, written in tenant[1].items():
        if not relative.startswith("inbox/"):
            continue
        parsed = email.message_from_bytes(written.as_bytes(), policy=email.policy.default)
        doc = docs[str(parsed["Subject"])]
        assert doc["type"] == "Inbox Mails"
        assert doc["mailbox"] == ALICE
        assert doc["folder"] == "Inbox"
        assert doc["sender"] == _addresses(parsed["From"])[0]
        assert doc["to_recipients"] == _addresses(parsed["To"])
        assert doc.get("cc_recipients", []) == _addresses(parsed["Cc"])
        assert doc["internet_message_id"] == parsed["Message-ID"]
        sent = parsedate_to_datetime(parsed["Date"]).astimezone(UTC)
        assert doc["sent_at"] == sent.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert doc["message"] == parsed.get_body(("plain",)).get_content().strip()
        assert doc["importance"] == "normal"
        assert doc["id"] and doc["conversation_id"]
        assert doc["has_attachments"] is bool(list(parsed.iter_attachments()))


def test_attachments_are_listed_and_downloaded(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    pages = _round(source, alice, _collection(source, alice, "mail:inbox"))
    report = next(d for p in pages for d in p.upserts if d["title"] == "Q3 report")
    refs = [r for p in pages for r in p.attachments]
    assert [r.name for r in refs] == ["report.txt"]
    assert report["attachment_names"] == ["report.txt"]
    ref = refs[0]
    assert ref.type == "Mail Attachment"
    assert ref.parent_id == report["id"] and ref.parent_title == "Q3 report"
    assert ref.id.startswith(report["id"] + "/")
    assert ref.mailbox == ALICE and not ref.is_inline
    assert ref.content_type and ref.content_type.startswith("text/plain")
    assert ref.fetch() == b"revenue went up\n"
    assert ref.size and ref.size >= len(b"revenue went up\n")


def test_inline_images_are_attachments_marked_inline(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    pages = _round(source, alice, _collection(source, alice, "mail:sentitems"))
    refs = {r.name: r for p in pages for r in p.attachments}
    assert set(refs) == {"notes.txt", "logo.png"}
    assert refs["logo.png"].is_inline and not refs["notes.txt"].is_inline
    assert refs["logo.png"].fetch() == PNG


def test_event_and_task_attachments(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    calendar = _collection(source, alice, "calendar:", "Calendar")
    [event_ref] = [r for p in _round(source, alice, calendar) for r in p.attachments]
    assert (event_ref.type, event_ref.name, event_ref.parent_title) == (
        "Calendar Attachment",
        "agenda.txt",
        "Kick-off",
    )
    assert event_ref.fetch() == b"1. Welcome\n"
    tasks = _collection(source, alice, "tasks:")
    pages = _round(source, alice, tasks)
    [task_ref] = [r for p in pages for r in p.attachments]
    assert (task_ref.type, task_ref.name) == ("Task Attachment", "figures.txt")
    assert task_ref.parent_id == pages[0].upserts[0]["id"]
    assert task_ref.fetch() == b"12,13\n"
    assert pages[0].upserts[0]["attachment_names"] == ["figures.txt"]


def test_small_pages_and_an_empty_second_round(emulator: dict[str, Any]) -> None:
    with GraphSource(_settings(emulator, page_size=1)) as graph:
        alice = _mailbox(graph, ALICE)
        inbox = _collection(graph, alice, "mail:inbox")
        pages = _round(graph, alice, inbox)
        assert sum(len(p.upserts) for p in pages) == 3
        assert len(pages) >= 3
        assert [p.complete for p in pages] == [False] * (len(pages) - 1) + [True]
        again = _round(graph, alice, inbox, pages[-1].cursor)
        assert [(p.upserts, p.deletions) for p in again] == [([], [])]
        assert again[-1].complete
        # Resuming from a page link in the middle finishes the round.
        rest = _round(graph, alice, inbox, pages[0].cursor)
        assert sum(len(p.upserts) for p in rest) == 2


def test_shared_mailbox_mails(source: GraphSource) -> None:
    shared = _mailbox(source, SHARED)
    pages = _round(source, shared, _collection(source, shared, "mail:inbox"))
    assert [d["title"] for p in pages for d in p.upserts] == ["Ticket 1"]


def test_contacts(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    docs = [
        d for p in _round(source, alice, _collection(source, alice, "contacts:")) for d in p.upserts
    ]
    assert len(docs) == 1
    carol = docs[0]
    assert carol["type"] == "Contact"
    assert carol["name"] == "Carol Jones"
    assert carol["email_addresses"] == ["carol.jones@fabrikam.example"]
    assert sorted(carol["contact_numbers"]) == ["+1 555 0100", "+1 555 0199"]
    assert carol["company_name"] == "Fabrikam"
    assert carol["birthday"] == "1985-04-12"


def test_events_one_document_per_event_or_series(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    pages = _round(source, alice, _collection(source, alice, "calendar:", "Calendar"))
    docs = {d["title"]: d for p in pages for d in p.upserts}
    assert set(docs) == {"Quarterly planning", "Stand-up", "Kick-off"}
    planning = docs["Quarterly planning"]
    assert planning["type"] == "Calendar"
    assert planning["meeting_type"] == "single"
    assert planning["start_date"] == "2024-10-15T08:00:00Z"  # 10:00 in Berlin summer time
    assert planning["end_date"] == "2024-10-15T09:30:00Z"
    assert planning["location"] == "Room 4"
    assert planning["content"] == "Bring the numbers."
    assert planning["organizer"] == ALICE
    assert planning["attendees"] == ["carol@contoso.example", "dave@fabrikam.example"]
    assert planning["calendar"] == "Calendar"
    standup = docs["Stand-up"]
    assert standup["meeting_type"] == "recurring series"
    assert standup["recurrence"] == "weekly on Monday, Wednesday until 2025-01-01"
    assert standup["start_date"] == "2024-09-02T07:00:00Z"
    assert pages[-1].complete and "#checkpoint;" in (pages[-1].cursor or "")


def test_child_calendar(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    pages = _round(source, alice, _collection(source, alice, "calendar:", "Birthdays"))
    [doc] = [d for p in pages for d in p.upserts]
    assert doc["title"] == "Carol's birthday"
    assert doc["is_all_day"] is True
    assert doc["recurrence"].startswith("yearly")


def test_tasks(source: GraphSource) -> None:
    alice = _mailbox(source, ALICE)
    tasks = _collection(source, alice, "tasks:")
    [doc] = [d for p in _round(source, alice, tasks) for d in p.upserts]
    assert doc["type"] == "Task"
    assert doc["title"] == "Send the report"
    assert doc["status"] == "inProgress"
    assert doc["importance"] == "high"
    assert doc["categories"] == ["Work"]
    assert doc["due_date"].startswith("2024-10-20")
    assert doc["content"] == "Numbers for Q3."
    assert doc["owner"] == ALICE
    assert doc["task_list"] == tasks.name


def test_wrong_secret_is_named_without_the_secret(emulator: dict[str, Any]) -> None:
    wrong = "this-is-not-the-secret"
    with GraphSource(_settings(emulator, client_secret=wrong)) as graph:
        with pytest.raises(SourceError) as caught:
            list(graph.mailboxes())
        assert "client secret is wrong" in str(caught.value)
        assert "AADSTS7000215" in str(caught.value)
        assert wrong not in str(caught.value)
        [line] = graph.check()
        assert not line.ok and "client secret is wrong" in line.detail


def test_unknown_tenant_is_named(emulator: dict[str, Any]) -> None:
    other = "00000000-0000-0000-0000-00000000dead"
    with (
        GraphSource(_settings(emulator, tenant_id=other)) as graph,
        pytest.raises(SourceError, match=f"tenant '{other}' not found"),
    ):
        list(graph.mailboxes())


def test_missing_mail_permission_is_named(emulator: dict[str, Any]) -> None:
    with GraphSource(_settings(emulator, client_id=NO_MAIL_APP)) as graph:
        lines = {line.name: line for line in graph.check()}
        assert lines["sign-in"].ok and lines["mailboxes"].ok
        # Without MailboxSettings.Read a shared mailbox cannot be recognised: said, not hidden.
        shared = lines["shared mailboxes"]
        assert not shared.ok and "MailboxSettings.Read" in shared.detail and SHARED in shared.detail
        mail = lines[f"mail of {ALICE}"]
        assert not mail.ok and "Mail.Read" in mail.detail
        assert lines[f"contacts of {ALICE}"].ok
        alice = _mailbox(graph, ALICE)
        collections = graph.collections(alice)
        assert {c.object_type for c in collections} == {
            "Inbox Mails",
            "Contact",
            "Calendar",
            "Task",
        }
        [denied] = [c for c in collections if c.key.startswith("mail:")]
        with pytest.raises(MailboxUnavailable, match="Mail.Read") as caught:
            list(graph.changes(alice, denied, None))
        assert SECRET not in str(caught.value)
        contacts = next(c for c in collections if c.key.startswith("contacts:"))
        assert [d["name"] for p in graph.changes(alice, contacts, None) for d in p.upserts] == [
            "Carol Jones"
        ]


def test_check_reports_every_kind(source: GraphSource) -> None:
    lines = source.check()
    assert all(line.ok for line in lines), lines
    assert [line.name for line in lines][:2] == ["sign-in", "mailboxes"]
    assert lines[1].detail == "2 mailboxes (1 shared)"


def test_certificate_credentials(
    emulator: dict[str, Any], tmp_path: Path, certificate: tuple[str, str]
) -> None:
    (tmp_path / "key.pem").write_text(certificate[0])
    (tmp_path / "cert.pem").write_text(certificate[1])
    settings = _settings(
        emulator,
        client_id=CERT_APP,
        client_secret=None,
        client_certificate=str(tmp_path / "cert.pem"),
        client_certificate_key=str(tmp_path / "key.pem"),
    )
    with GraphSource(settings) as graph:
        assert {m.address for m in graph.mailboxes()} == {ALICE, SHARED}


def test_expired_tokens_are_renewed(tenant: tuple[Path, dict[str, EmailMessage]]) -> None:
    with (
        running_emulator(tenant[0], "--token-lifetime", "2") as info,
        GraphSource(_settings(info)) as graph,
    ):
        alice = _mailbox(graph, ALICE)
        time.sleep(3)
        pages = _round(graph, alice, _collection(graph, alice, "mail:inbox"))
        assert sum(len(p.upserts) for p in pages) == 3


def test_the_ca_bundle_file_is_removed_at_close(emulator: dict[str, Any]) -> None:
    graph = GraphSource(_settings(emulator))
    path = Path(graph._ca_bundle.path)
    assert path.exists()
    graph.close()
    graph.close()
    assert not path.exists()


def _control(info: dict[str, Any], method: str, path: str, **kwargs: Any) -> str:
    base = info["graph_url"].rsplit("/v1.0", 1)[0]
    context = ssl.create_default_context(cafile=info["ca_cert"])
    with httpx.Client(verify=context, trust_env=False) as client:
        response = client.request(method, f"{base}/_emulator/mailboxes/{ALICE}/{path}", **kwargs)
    response.raise_for_status()
    return str(response.json()["id"])


def test_incremental_rounds_bring_new_changed_moved_and_deleted_items(
    tenant: tuple[Path, dict[str, EmailMessage]],
) -> None:
    with running_emulator(tenant[0]) as info, GraphSource(_settings(info)) as graph:
        alice = _mailbox(graph, ALICE)
        inbox = _collection(graph, alice, "mail:inbox")
        archive = _collection(graph, alice, "mail:archive")
        first = {d["title"]: d["id"] for p in _round(graph, alice, inbox) for d in p.upserts}
        inbox_cursor = _round(graph, alice, inbox)[-1].cursor
        archive_cursor = _round(graph, alice, archive)[-1].cursor
        new = _mail("Fresh news", "carol.jones@fabrikam.example", [ALICE], "new\n")
        _control(info, "PUT", "inbox/fresh.eml", content=new.as_bytes())
        _control(info, "DELETE", "inbox/welcome.eml")
        _control(info, "POST", "move", json={"from": "inbox/third.eml", "to": "archive/third.eml"})

        pages = _round(graph, alice, inbox, inbox_cursor)
        assert [d["title"] for p in pages for d in p.upserts] == ["Fresh news"]
        deleted = sorted(i for p in pages for i in p.deletions)
        assert deleted == sorted([first["Welcome aboard"], first["Third"]])
        moved = [d for p in _round(graph, alice, archive, archive_cursor) for d in p.upserts]
        # Immutable ids: the moved mail keeps its id in its new folder.
        assert [(d["title"], d["id"], d["type"]) for d in moved] == [
            ("Third", first["Third"], "Archive Mails")
        ]


def _event_ics(uid: str, summary: str, stamp: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Contoso//Test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nCREATED:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n"
        f"SUMMARY:{summary}\r\nDTSTART:20241201T090000Z\r\nDTEND:20241201T100000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_incremental_calendar_rounds(tenant: tuple[Path, dict[str, EmailMessage]]) -> None:
    with running_emulator(tenant[0]) as info, GraphSource(_settings(info)) as graph:
        alice = _mailbox(graph, ALICE)
        calendar = _collection(graph, alice, "calendar:", "Calendar")
        checkpoint = _round(graph, alice, calendar)[-1].cursor
        assert [p.upserts for p in _round(graph, alice, calendar, checkpoint)] == [[]]

        # Created now, as the store stamps an item it receives; a second later than
        # the round began, since creation times are compared at second resolution.
        time.sleep(1.1)
        now = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y%m%dT%H%M%SZ")
        _control(info, "PUT", "calendar/review.ics", content=_event_ics("r1", "Review", now))
        pages = _round(graph, alice, calendar, checkpoint)
        assert [d["title"] for p in pages for d in p.upserts] == ["Review"]
        assert pages[-1].complete

        _control(info, "DELETE", "calendar/kickoff.ics")
        with pytest.raises(CursorExpired):
            _round(graph, alice, calendar, pages[-1].cursor)
        full = {d["title"] for p in _round(graph, alice, calendar) for d in p.upserts}
        assert full == {"Quarterly planning", "Stand-up", "Review"}


def test_mailboxes_read_from_several_threads_at_once(source: GraphSource) -> None:
    boxes = list(source.mailboxes())
    work = [(m, c) for m in boxes for c in source.collections(m)]

    def titles(job: tuple[Mailbox, Collection]) -> list[str]:
        return sorted(d["title"] for p in _round(source, *job) for d in p.upserts)

    expected = [titles(job) for job in work]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(titles, work * 2)) == expected * 2


def test_without_the_servers_ca_sign_in_and_graph_are_refused(emulator: dict[str, Any]) -> None:
    signing_in = GraphSource(_settings(emulator, ssl_ca=None))
    with signing_in, pytest.raises(SourceError, match="certificate not trusted"):
        list(signing_in.mailboxes())

    class Tokens:
        def token(self, *, force_refresh: bool = False) -> str:
            return "unused"

        def close(self) -> None:
            pass

    untrusted = GraphSource(_settings(emulator, ssl_ca=None), tokens=Tokens())  # type: ignore
    with untrusted, pytest.raises(SourceError, match="certificate is not trusted"):
        list(untrusted.mailboxes())


def test_an_unknown_application_is_named(emulator: dict[str, Any]) -> None:
    stranger = "11111111-2222-3333-4444-555555555555"
    graph = GraphSource(_settings(emulator, client_id=stranger))
    with graph, pytest.raises(SourceError, match=f"application '{stranger}' is not registered"):
        list(graph.mailboxes())


def test_a_certificate_the_application_does_not_know_is_refused(
    emulator: dict[str, Any], tmp_path: Path
) -> None:
    key_pem, cert_pem = _certificate()
    (tmp_path / "key.pem").write_text(key_pem)
    (tmp_path / "cert.pem").write_text(cert_pem)
    settings = _settings(
        emulator,
        client_id=CERT_APP,
        client_secret=None,
        client_certificate=str(tmp_path / "cert.pem"),
        client_certificate_key=str(tmp_path / "key.pem"),
    )
    with GraphSource(settings) as graph, pytest.raises(SourceError) as caught:
        list(graph.mailboxes())
    assert "AADSTS700027" in str(caught.value)
    assert "PRIVATE KEY" not in str(caught.value)
