"""The tenant loader reads a tenant folder of standard files into the model."""

from __future__ import annotations

import base64
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from outlook_emulator.tenant.config import TenantConfigError
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Contact, ContactGroup, Event, Message, Task, Tenant

ALICE = "alice@contoso.example"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUAA==\n-----END CERTIFICATE-----\n"

TOML = """\
tenant_id = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
domain = "contoso.example"
netbios_name = "CONTOSO"

[[applications]]
client_id = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"
client_secret = "a-secret-value"
client_certificate = "certs/app.pem"
permissions = ["User.Read.All", "Mail.Read"]

[service_account]
username = "svc-search"
password = "another-secret"

[[users]]
mail = "Alice@Contoso.example"
display_name = "Alice Example"
job_title = "Engineer"
aliases = ["a.example@contoso.example"]

[[users]]
mail = "bob@contoso.example"
enabled = false

[[users]]
mail = "support@contoso.example"
display_name = "Support"
kind = "shared"
"""

HELLO = b"""\
Received: from mx.contoso.example by mail.contoso.example; Tue, 03 Sep 2024 10:16:30 +0000
From: =?utf-8?q?J=C3=BCrgen_Supplier?= <Juergen@Supplier.example>
Sender: Agent <agent@supplier.example>
To: Alice Example <ALICE@contoso.example>, bob@contoso.example
Cc: Carol <carol@contoso.example>
Reply-To: orders@supplier.example
Subject: Kayak order 4711
Date: Tue, 03 Sep 2024 12:15:00 +0200
Message-ID: <root-1@supplier.example>
Importance: High
Keywords: Orders, Suppliers
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Please find the kayak order attached.
--alt
Content-Type: text/html; charset=utf-8

<p>Please find the <b>kayak</b> order attached.</p><img src="cid:logo@x">
--alt--
--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--outer
Content-Type: text/csv; name="order.csv"
Content-Disposition: attachment; filename="order.csv"

sku,qty
KY-100,12
--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: someone@supplier.example
Subject: Earlier quote
Date: Mon, 02 Sep 2024 09:00:00 +0000

The earlier quote.
--outer--
"""

REPLY = b"""\
From: Alice Example <alice@contoso.example>
To: juergen@supplier.example
Subject: RE: Kayak order 4711
Date: Wed, 04 Sep 2024 08:00:00 +0000
Message-ID: <reply-1@contoso.example>
In-Reply-To: <root-1@supplier.example>
References: <root-1@supplier.example>
X-Priority: 5
Content-Type: text/html; charset=utf-8

<html><body><p>Thanks, <i>confirmed</i>.</p></body></html>
"""

INVITE = b"""\
From: bob@contoso.example
To: alice@contoso.example
Subject: Launch review
Date: Wed, 04 Sep 2024 08:00:00 +0000
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain

Join the launch review.
--b
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
UID:launch
DTSTART:20240910T090000Z
END:VEVENT
END:VCALENDAR
--b--
"""

BROKEN_CHARSET = (
    b"From: x@example.com\nSubject: odd\nContent-Type: text/plain; charset=x-unknown-42\n\n"
    b"caf\xe9 au lait\n"
)

CARDS = """\
BEGIN:VCARD
VERSION:3.0
UID:c-1
FN:J\u00fcrgen Supplier
N:Supplier;J\u00fcrgen;;;
ORG:Supplier GmbH;Sales
TITLE:Account manager
EMAIL;TYPE=work:juergen@supplier.example
TEL;TYPE=cell:+49 170 1234567
TEL;TYPE=work,fax:+49 30 1234
ADR;TYPE=work:;;Hauptstr. 1;Berlin;;10115;Germany
BDAY:1980-04-05
NOTE:Prefers calls\\, not mail
REV:2024-01-02T03:04:05Z
CATEGORIES:Suppliers,VIP
END:VCARD
BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:c-2
FN:Dana Paddle
EMAIL:dana@paddle.example
NOTE:a long note that is fol
 ded over two lines
END:VCARD
BEGIN:VCARD
VERSION:4.0
KIND:group
FN:Suppliers
MEMBER:urn:uuid:c-2
MEMBER:mailto:Juergen@supplier.example
MEMBER:urn:uuid:nobody
END:VCARD
"""

EVENTS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTIMEZONE
TZID:Lisbon Time
BEGIN:STANDARD
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-1
DTSTAMP:20240801T000000Z
DTSTART;TZID=Lisbon Time:20240805T100000
DTEND;TZID=Lisbon Time:20240805T110000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
EXDATE;TZID=Lisbon Time:20240812T100000
SUMMARY:Lisbon trip sync
LOCATION:Room 1
DESCRIPTION:Weekly sync about the Lisbon trip
ORGANIZER;CN=Alice Example:mailto:alice@contoso.example
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Bob:mailto:bob@contoso.example
ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:carol@contoso.example
ATTENDEE;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION:mailto:room1@contoso.example
ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=agenda.txt:{agenda}
ATTACH:https://files.example/plan.pdf
CATEGORIES:Travel
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
RECURRENCE-ID;TZID=Lisbon Time:20240819T100000
DTSTART;TZID=Lisbon Time:20240819T120000
DTEND;TZID=Lisbon Time:20240819T130000
SUMMARY:Lisbon trip sync (moved)
END:VEVENT
BEGIN:VEVENT
UID:holiday
DTSTART;VALUE=DATE:20241225
SUMMARY:Christmas
TRANSP:TRANSPARENT
CLASS:PRIVATE
END:VEVENT
BEGIN:VTODO
UID:stray-todo
SUMMARY:a task in the calendar
END:VTODO
END:VCALENDAR
""".replace("{agenda}", base64.b64encode(b"1. flights\n2. hotel\n").decode())

TODOS = """\
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VTODO
UID:t-1
SUMMARY:Send the kayak invoice
DESCRIPTION:Invoice 2024-117
STATUS:IN-PROCESS
PRIORITY:1
PERCENT-COMPLETE:40
DTSTART:20240901T080000Z
DUE;VALUE=DATE:20240915
LAST-MODIFIED:20240902T080000Z
END:VTODO
BEGIN:VTODO
UID:t-2
SUMMARY:Book flights
STATUS:COMPLETED
COMPLETED:20240903T120000Z
PRIORITY:9
END:VTODO
END:VCALENDAR
"""


def write(root: Path, relative: str, content: str | bytes) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target.write_bytes(data)


@pytest.fixture
def tenant_dir(tmp_path: Path) -> Path:
    write(tmp_path, "tenant.toml", TOML)
    write(tmp_path, "certs/app.pem", PEM)
    box = f"mailboxes/{ALICE}"
    write(tmp_path, f"{box}/inbox/hello.eml", HELLO)
    write(tmp_path, f"{box}/inbox/invite.eml", INVITE)
    write(tmp_path, f"{box}/inbox/odd-charset.eml", BROKEN_CHARSET)
    write(tmp_path, f"{box}/inbox/empty.eml", b"")
    write(tmp_path, f"{box}/inbox/notes.txt", "not a message")
    write(tmp_path, f"{box}/sentitems/reply.eml", REPLY)
    write(tmp_path, f"{box}/Projects/Q3/report.eml", REPLY.replace(b"reply-1", b"report-1"))
    write(tmp_path, f"{box}/contacts/people.vcf", CARDS)
    write(tmp_path, f"{box}/calendar/events.ics", EVENTS)
    write(tmp_path, f"{box}/calendar/Birthdays/dana.ics", EVENTS.replace("weekly-1", "w2"))
    write(tmp_path, f"{box}/tasks/todo.ics", TODOS)
    write(tmp_path, "mailboxes/carol.jones@contoso.example/inbox/a.eml", REPLY)
    return tmp_path


@pytest.fixture
def tenant(tenant_dir: Path) -> Tenant:
    return load_tenant(tenant_dir)


def items_of(tenant: Tenant, folder_path: str, address: str = ALICE) -> list:
    folder = tenant.mailboxes[address].folder_by_path(folder_path)
    assert folder is not None, folder_path
    return list(folder.items.values())


def test_directory_comes_from_tenant_toml_and_mailbox_folders(tenant: Tenant) -> None:
    assert tenant.tenant_id == "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
    assert tenant.netbios_name == "CONTOSO"
    app = tenant.application("0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11")
    assert app is not None and app.certificate_pem == PEM
    assert app.client_secret == "a-secret-value" and "Mail.Read" in app.permissions
    assert tenant.service_account is not None and tenant.service_account.impersonation
    alice = tenant.user("a.example@contoso.example")
    assert alice is not None and alice.mail == ALICE and alice.job_title == "Engineer"
    bob = tenant.user("bob@contoso.example")
    assert bob is not None and not bob.enabled and bob.display_name == "Bob"
    support = tenant.user("support@contoso.example")
    assert support is not None and support.kind == "shared"
    carol = tenant.user("carol.jones@contoso.example")
    assert carol is not None and carol.enabled and carol.display_name == "Carol Jones"
    assert set(tenant.mailboxes) == {
        ALICE,
        "bob@contoso.example",
        "support@contoso.example",
        "carol.jones@contoso.example",
    }
    assert len({u.id for u in tenant.users}) == 4


def test_every_mailbox_has_the_standard_folders(tenant: Tenant) -> None:
    for mailbox in tenant.mailboxes.values():
        root = mailbox.folders[mailbox.root_id]
        assert root.well_known_name == "msgfolderroot"
        assert root.display_name == "Top of Information Store"
        names = {mailbox.folders[c].well_known_name for c in root.child_ids}
        assert {
            "inbox",
            "sentitems",
            "archive",
            "junkemail",
            "deleteditems",
            "drafts",
            "contacts",
            "calendar",
            "tasks",
        } <= names
    bob = tenant.mailboxes["bob@contoso.example"]
    assert all(not f.items for f in bob.folders.values())


def test_user_folders_and_child_calendars(tenant: Tenant) -> None:
    mailbox = tenant.mailboxes[ALICE]
    projects = mailbox.folder_by_path("Projects")
    q3 = mailbox.folder_by_path("Projects/Q3")
    assert projects is not None and q3 is not None
    assert projects.kind == "mail" and projects.parent_id == mailbox.root_id
    assert q3.parent_id == projects.id and q3.id in projects.child_ids
    birthdays = mailbox.folder_by_path("calendar/Birthdays")
    calendar = mailbox.well_known("calendar")
    assert birthdays is not None and calendar is not None
    assert birthdays.kind == "calendar" and birthdays.parent_id == calendar.id
    assert len(birthdays.items) == 3


def test_message_fields(tenant: Tenant) -> None:
    inbox = {m.path: m for m in items_of(tenant, "inbox")}
    hello = inbox["inbox/hello.eml"]
    assert isinstance(hello, Message)
    assert hello.subject == "Kayak order 4711"
    assert hello.from_ is not None and hello.from_.address == "juergen@supplier.example"
    assert hello.from_.name == "Jürgen Supplier"
    assert hello.sender is not None and hello.sender.address == "agent@supplier.example"
    assert [a.address for a in hello.to] == [ALICE, "bob@contoso.example"]
    assert [a.address for a in hello.cc] == ["carol@contoso.example"]
    assert [a.address for a in hello.reply_to] == ["orders@supplier.example"]
    assert hello.sent == datetime(2024, 9, 3, 10, 15, tzinfo=UTC)
    assert hello.received == datetime(2024, 9, 3, 10, 16, 30, tzinfo=UTC)
    assert hello.internet_message_id == "<root-1@supplier.example>"
    assert hello.importance == "high" and hello.categories == ["Orders", "Suppliers"]
    assert hello.body_text.strip() == "Please find the kayak order attached."
    assert hello.body_html is not None and "<b>kayak</b>" in hello.body_html
    assert hello.source_bytes == HELLO and hello.item_class == "IPM.Note"


def test_message_attachments(tenant: Tenant) -> None:
    hello = next(m for m in items_of(tenant, "inbox") if m.path == "inbox/hello.eml")
    by_type = {a.content_type: a for a in hello.attachments}
    assert set(by_type) == {"image/png", "text/csv", "message/rfc822"}
    logo = by_type["image/png"]
    assert logo.is_inline and logo.content_id == "logo@x" and logo.content.startswith(b"\x89PNG")
    csv = by_type["text/csv"]
    assert csv.name == "order.csv" and not csv.is_inline and b"KY-100,12" in csv.content
    forwarded = by_type["message/rfc822"]
    assert forwarded.item is not None and forwarded.item.subject == "Earlier quote"
    assert b"The earlier quote." in forwarded.content
    assert len({a.id for a in hello.attachments}) == 3


def test_threads_share_a_conversation_and_html_only_bodies_get_text(tenant: Tenant) -> None:
    hello = next(m for m in items_of(tenant, "inbox") if m.path == "inbox/hello.eml")
    reply = items_of(tenant, "sentitems")[0]
    assert reply.conversation_id == hello.conversation_id
    other = items_of(tenant, "inbox", "carol.jones@contoso.example")[0]
    assert other.conversation_id == hello.conversation_id  # same thread, another mailbox
    invite = next(m for m in items_of(tenant, "inbox") if m.path == "inbox/invite.eml")
    assert invite.conversation_id != hello.conversation_id
    assert reply.in_reply_to == "<root-1@supplier.example>"
    assert reply.references == ["<root-1@supplier.example>"]
    assert reply.body_text == "Thanks, confirmed."
    assert reply.importance == "low"


def test_meeting_requests_and_undecodable_charsets(tenant: Tenant) -> None:
    inbox = {m.path: m for m in items_of(tenant, "inbox")}
    assert inbox["inbox/invite.eml"].item_class == "IPM.Schedule.Meeting.Request"
    assert inbox["inbox/invite.eml"].body_text.strip() == "Join the launch review."
    assert inbox["inbox/odd-charset.eml"].body_text.startswith("caf")
    assert "au lait" in inbox["inbox/odd-charset.eml"].body_text


def test_contacts_and_groups(tenant: Tenant) -> None:
    items = {i.path: i for i in items_of(tenant, "contacts")}
    assert set(items) == {"contacts/people.vcf", "contacts/people.vcf#1", "contacts/people.vcf#2"}
    juergen = items["contacts/people.vcf"]
    assert isinstance(juergen, Contact)
    assert juergen.display_name == "Jürgen Supplier"
    assert (juergen.given_name, juergen.surname) == ("Jürgen", "Supplier")
    assert (juergen.company_name, juergen.department) == ("Supplier GmbH", "Sales")
    assert juergen.job_title == "Account manager"
    assert [e.address for e in juergen.emails] == ["juergen@supplier.example"]
    assert {(p.kind, p.number) for p in juergen.phones} == {
        ("mobile", "+49 170 1234567"),
        ("businessFax", "+49 30 1234"),
    }
    address = juergen.addresses[0]
    assert (address.kind, address.street, address.city, address.postal_code) == (
        "business",
        "Hauptstr. 1",
        "Berlin",
        "10115",
    )
    assert juergen.birthday == date(1980, 4, 5)
    assert juergen.notes == "Prefers calls, not mail"
    assert juergen.categories == ["Suppliers", "VIP"]
    assert juergen.last_modified == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert items["contacts/people.vcf#1"].notes == "a long note that is folded over two lines"
    group = items["contacts/people.vcf#2"]
    assert isinstance(group, ContactGroup) and group.display_name == "Suppliers"
    assert [m.address for m in group.members] == ["dana@paddle.example", "juergen@supplier.example"]


def test_events_recurrences_exceptions_and_time_zones(tenant: Tenant) -> None:
    events = {e.path: e for e in items_of(tenant, "calendar")}
    series, moved, holiday = (
        events[p] for p in ("calendar/events.ics", "calendar/events.ics#1", "calendar/events.ics#2")
    )
    assert isinstance(series, Event)
    # 10:00 in Lisbon in August is 09:00 UTC (summer time).
    assert series.start == datetime(2024, 8, 5, 9, 0, tzinfo=UTC)
    assert series.end == datetime(2024, 8, 5, 10, 0, tzinfo=UTC)
    assert series.start_timezone == "Lisbon Time"
    assert series.recurrence is not None
    assert "FREQ=WEEKLY" in series.recurrence.rrule and "COUNT=10" in series.recurrence.rrule
    assert series.recurrence.exdates == [datetime(2024, 8, 12, 9, 0, tzinfo=UTC)]
    assert series.organizer is not None and series.organizer.address == ALICE
    kinds = {(a.email.address, a.kind, a.response) for a in series.attendees}
    assert kinds == {
        ("bob@contoso.example", "required", "accepted"),
        ("carol@contoso.example", "optional", "tentativelyAccepted"),
        ("room1@contoso.example", "resource", "notResponded"),
    }
    assert [(a.name, a.content) for a in series.attachments] == [
        ("agenda.txt", b"1. flights\n2. hotel\n")
    ]
    assert series.categories == ["Travel"] and series.location == "Room 1"
    assert isinstance(moved, Event) and moved.series_master_id == series.id
    assert moved.original_start == datetime(2024, 8, 19, 9, 0, tzinfo=UTC)
    assert moved.start == datetime(2024, 8, 19, 11, 0, tzinfo=UTC)
    assert isinstance(holiday, Event) and holiday.is_all_day
    assert holiday.start == datetime(2024, 12, 25, tzinfo=UTC)
    assert holiday.end == datetime(2024, 12, 26, tzinfo=UTC)
    assert holiday.show_as == "free" and holiday.sensitivity == "private"


def test_tasks(tenant: Tenant) -> None:
    tasks = {t.uid: t for t in items_of(tenant, "tasks")}
    invoice, flights = tasks["t-1"], tasks["t-2"]
    assert isinstance(invoice, Task) and invoice.title == "Send the kayak invoice"
    assert invoice.status == "inProgress" and invoice.importance == "high"
    assert invoice.percent_complete == 40
    assert invoice.due == datetime(2024, 9, 15, tzinfo=UTC)
    assert invoice.start == datetime(2024, 9, 1, tzinfo=UTC)  # task dates are days
    assert invoice.last_modified == datetime(2024, 9, 2, 8, tzinfo=UTC)
    assert flights.status == "completed" and flights.importance == "low"
    assert flights.completed == datetime(2024, 9, 3, 12, tzinfo=UTC)


def test_unrepresentable_files_are_skipped_with_a_reason(tenant: Tenant) -> None:
    skipped = dict(tenant.skipped)
    assert "empty" in skipped[f"{ALICE}/inbox/empty.eml"]
    assert ".eml" in skipped[f"{ALICE}/inbox/notes.txt"]
    assert "VTODO" in skipped[f"{ALICE}/calendar/events.ics"]
    assert "nobody" in skipped[f"{ALICE}/contacts"]
    inbox_paths = {m.path for m in items_of(tenant, "inbox")}
    assert inbox_paths == {"inbox/hello.eml", "inbox/invite.eml", "inbox/odd-charset.eml"}


def test_two_loads_give_the_same_ids(tenant_dir: Path) -> None:
    def ids(tenant: Tenant) -> list[tuple[str, str]]:
        return sorted(
            (item.path, item.id)
            for mailbox in tenant.mailboxes.values()
            for folder in mailbox.folders.values()
            for item in folder.items.values()
        ) + sorted((f.path, f.id) for m in tenant.mailboxes.values() for f in m.folders.values())

    first, second = load_tenant(tenant_dir), load_tenant(tenant_dir)
    assert ids(first) == ids(second)
    all_ids = [i for _, i in ids(first)]
    assert len(set(all_ids)) == len(all_ids)
    assert all(i.replace("-", "").replace("_", "").isalnum() for i in all_ids)


def test_ids_differ_between_mailboxes_for_the_same_path(tenant: Tenant) -> None:
    alice_reply = items_of(tenant, "sentitems")[0]
    carol = items_of(tenant, "inbox", "carol.jones@contoso.example")[0]
    assert alice_reply.id != carol.id


def test_a_broken_tenant_toml_names_the_problem(tmp_path: Path) -> None:
    write(tmp_path, "tenant.toml", '[[users]]\ndisplay_name = "No Mail"\n')
    with pytest.raises(TenantConfigError, match=r"\[\[users\]\] #1: 'mail'"):
        load_tenant(tmp_path)
    write(
        tmp_path,
        "tenant.toml",
        '[[applications]]\nclient_id = "x"\nclient_certificate = "no.pem"\n',
    )
    with pytest.raises(TenantConfigError, match="no.pem"):
        load_tenant(tmp_path)


def test_times_fall_back_to_the_file_time(tmp_path: Path) -> None:
    write(tmp_path, "tenant.toml", "")
    write(tmp_path, f"mailboxes/{ALICE}/inbox/undated.eml", b"Subject: no date\n\nbody\n")
    os.utime(tmp_path / f"mailboxes/{ALICE}/inbox/undated.eml", (1_700_000_000, 1_700_000_000))
    message = items_of(load_tenant(tmp_path), "inbox")[0]
    assert message.last_modified == datetime.fromtimestamp(1_700_000_000, UTC)
    assert message.sent is None


def test_an_unreadable_file_is_skipped_and_the_rest_loads(tmp_path: Path) -> None:
    write(tmp_path, "tenant.toml", "")
    write(tmp_path, f"mailboxes/{ALICE}/inbox/good.eml", REPLY)
    (tmp_path / f"mailboxes/{ALICE}/inbox/gone.eml").symlink_to(tmp_path / "nowhere.eml")
    tenant = load_tenant(tmp_path)
    assert [m.path for m in items_of(tenant, "inbox")] == ["inbox/good.eml"]
    assert "cannot be read" in dict(tenant.skipped)[f"{ALICE}/inbox/gone.eml"]


def test_attachment_file_names_keep_their_spaces(tmp_path: Path) -> None:
    from outlook_emulator.tenant.loader import load_tenant

    root = tmp_path / "t"
    inbox = root / "mailboxes" / "alice@contoso.example" / "inbox"
    inbox.mkdir(parents=True)
    (root / "tenant.toml").write_text('tenant_id = "t"\ndomain = "contoso.example"\n')
    (inbox / "m.eml").write_bytes(
        b"From: a@b.example\r\nTo: alice@contoso.example\r\nSubject: s\r\n"
        b"Date: Wed, 01 May 2024 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"body\r\n--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="7 days  everyday.txt"\r\n\r\nx\r\n--b--\r\n'
    )
    tenant = load_tenant(root)
    folder = tenant.mailboxes["alice@contoso.example"].well_known("inbox")
    assert folder is not None
    (message,) = folder.items.values()
    assert [a.name for a in message.attachments] == ["7 days  everyday.txt"]
