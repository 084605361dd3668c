"""The EWS emulator, driven by exchangelib (a client we did not write).

Every SOAP response these tests receive is validated against Microsoft's EWS
schema by a middleware on the test server.
"""

from __future__ import annotations

import base64
import email
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from ews_schema import ValidatingMiddleware
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    Account,
    CalendarItem,
    Configuration,
    Contact,
    Credentials,
    DistributionList,
    EWSDateTime,
    EWSTimeZone,
    FileAttachment,
    ItemAttachment,
    Message,
    Task,
)
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorImpersonateUserDenied,
    ErrorItemNotFound,
    ErrorNonExistentMailbox,
    UnauthorizedError,
)
from exchangelib.protocol import close_connections

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.http import EmulatorServer
from outlook_emulator.tenant.changes import delete_file, move_file, put_file
from outlook_emulator.tenant.folders import add_child
from outlook_emulator.tenant.loader import load_tenant
from outlook_emulator.tenant.model import Tenant

ALICE = "alice@contoso.example"
BOB = "bob@contoso.example"
SUPPORT = "support@contoso.example"
PASSWORD = "another-secret"
BULK = 250

TOML = f"""\
tenant_id = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
domain = "contoso.example"
netbios_name = "CONTOSO"

[service_account]
username = "svc-search"
password = "{PASSWORD}"
impersonation = true

[[users]]
mail = "{ALICE}"
display_name = "Alice Example"

[[users]]
mail = "{BOB}"
display_name = "Bob Disabled"
enabled = false

[[users]]
mail = "{SUPPORT}"
display_name = "Support"
kind = "shared"
"""

REPORT = (
    b"""\
From: Carol <carol@contoso.example>
To: Alice Example <alice@contoso.example>
Cc: Dave <dave@contoso.example>
Subject: Quarterly report
Date: Tue, 03 Sep 2024 10:15:00 +0000
Message-ID: <report-1@contoso.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8

The numbers are in.
--b2
Content-Type: text/html; charset=utf-8

<html><body><p>The <b>numbers</b> are in.</p></body></html>
--b2--
--b1
Content-Type: image/png
Content-ID: <logo@contoso.example>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1
Content-Type: text/csv; name="q3.csv"
Content-Disposition: attachment; filename="q3.csv"
Content-Transfer-Encoding: base64

"""
    + base64.b64encode(b"quarter,revenue\nQ3,42\n")
    + b"""
--b1
Content-Type: message/rfc822; name="forwarded.eml"
Content-Disposition: attachment; filename="forwarded.eml"

From: Erin <erin@contoso.example>
To: Carol <carol@contoso.example>
Subject: Draft numbers
Date: Mon, 02 Sep 2024 09:00:00 +0000

Draft attached earlier.
--b1--
"""
)

INVITE = b"""\
From: Carol <carol@contoso.example>
To: Alice Example <alice@contoso.example>
Subject: Planning meeting
Date: Wed, 04 Sep 2024 08:00:00 +0000
Content-Class: urn:content-classes:calendarmessage
MIME-Version: 1.0
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
METHOD:REQUEST
VERSION:2.0
BEGIN:VEVENT
UID:plan-1
DTSTART:20240910T090000Z
DTEND:20240910T100000Z
SUMMARY:Planning meeting
END:VEVENT
END:VCALENDAR
"""

CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
UID:contact-1
FN:Frank Fisher
N:Fisher;Frank;;;
ORG:Fisheries Ltd
TITLE:Buyer
EMAIL;TYPE=work:frank@fisheries.example
TEL;TYPE=cell:+1 555 0100
ADR;TYPE=work:;;1 Harbour Road;Portsmouth;;PO1 1AA;United Kingdom
BDAY:1980-05-17
NOTE:Prefers phone calls.
END:VCARD
BEGIN:VCARD
VERSION:4.0
KIND:group
UID:group-1
FN:Kayak team
MEMBER:mailto:frank@fisheries.example
MEMBER:mailto:carol@contoso.example
END:VCARD
"""

EVENTS = """\
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:single-1
DTSTART:20240905T140000Z
DTEND:20240905T150000Z
SUMMARY:Design review
LOCATION:Room 4
ORGANIZER;CN=Carol:mailto:carol@contoso.example
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:alice@contoso.example
ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:dave@contoso.example
DESCRIPTION:Bring the drawings.
ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=agenda.txt:
 MS4gRHJhd2luZ3MKMi4gQnVkZ2V0Cg==
END:VEVENT
BEGIN:VEVENT
UID:series-1
DTSTART:20240902T090000Z
DTEND:20240902T091500Z
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:series-1
RECURRENCE-ID:20240904T090000Z
DTSTART:20240904T100000Z
DTEND:20240904T101500Z
SUMMARY:Stand-up (late)
END:VEVENT
BEGIN:VEVENT
UID:allday-1
DTSTART;VALUE=DATE:20240920
DTEND;VALUE=DATE:20240921
SUMMARY:Company holiday
END:VEVENT
END:VCALENDAR
"""

BIRTHDAYS = """\
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:bday-1
DTSTART;VALUE=DATE:20240517
DTEND;VALUE=DATE:20240518
RRULE:FREQ=YEARLY
SUMMARY:Frank's birthday
END:VEVENT
END:VCALENDAR
"""

TASKS = """\
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VTODO
UID:task-1
SUMMARY:Order paddles
DTSTART:20240901T080000Z
DUE:20240915T170000Z
STATUS:IN-PROCESS
PERCENT-COMPLETE:40
PRIORITY:1
DESCRIPTION:Two sets of paddles.
ATTACH;FMTTYPE=text/csv;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=quote.csv:cGFkZGxlLDIK
END:VTODO
BEGIN:VTODO
UID:task-2
SUMMARY:File expenses
STATUS:COMPLETED
COMPLETED:20240902T120000Z
PERCENT-COMPLETE:100
END:VTODO
END:VCALENDAR
"""


def bulk_mail(n: int) -> bytes:
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    return (
        f"From: Bulk Sender <bulk@example.net>\nTo: {ALICE}\nSubject: Bulk {n:03d}\n"
        f"Date: {email.utils.format_datetime(when)}\nMessage-ID: <bulk-{n}@example.net>\n\n"
        f"Bulk body {n}.\n"
    ).encode()


def write_tenant(root: Path) -> Path:
    (root / "tenant.toml").write_text(TOML, encoding="utf-8")
    box = root / "mailboxes" / ALICE
    for name in ("inbox", "sentitems", "archive", "junkemail", "contacts", "calendar/Birthdays"):
        (box / name).mkdir(parents=True)
    (box / "inbox" / "report.eml").write_bytes(REPORT)
    (box / "inbox" / "invite.eml").write_bytes(INVITE)
    (box / "sentitems" / "cancel.eml").write_bytes(
        INVITE.replace(b"METHOD:REQUEST", b"METHOD:CANCEL").replace(
            b"method=REQUEST", b"method=CANCEL"
        )
    )
    reply = INVITE.replace(b"METHOD:REQUEST", b"METHOD:REPLY").replace(
        b"method=REQUEST", b"method=REPLY"
    )
    (box / "sentitems" / "reply.eml").write_bytes(
        reply.replace(
            b"END:VEVENT", b"ATTENDEE;PARTSTAT=DECLINED:mailto:alice@contoso.example\nEND:VEVENT"
        )
    )
    (box / "contacts" / "people.vcf").write_text(CONTACTS, encoding="utf-8")
    (box / "calendar" / "events.ics").write_text(EVENTS, encoding="utf-8")
    (box / "calendar" / "Birthdays" / "birthdays.ics").write_text(BIRTHDAYS, encoding="utf-8")
    (box / "tasks").mkdir()
    (box / "tasks" / "todo.ics").write_text(TASKS, encoding="utf-8")
    bulk = box / "Bulk"
    bulk.mkdir()
    for n in range(BULK):
        (bulk / f"m{n:03d}.eml").write_bytes(bulk_mail(n))
    (root / "mailboxes" / BOB / "inbox").mkdir(parents=True)
    (root / "mailboxes" / BOB / "inbox" / "hello.eml").write_bytes(bulk_mail(999))
    (root / "mailboxes" / SUPPORT / "inbox").mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    return load_tenant(write_tenant(tmp_path_factory.mktemp("tenant")))


class Served:
    def __init__(self, tenant: Tenant) -> None:
        self.validator = ValidatingMiddleware()
        self.server = EmulatorServer([EwsApp(tenant)], middleware=[self.validator])
        self.url = f"{self.server.base_url}/EWS/Exchange.asmx"

    def config(self, user: str = "CONTOSO\\svc-search", password: str = PASSWORD, auth=NTLM):
        return Configuration(
            service_endpoint=self.url, credentials=Credentials(user, password), auth_type=auth
        )

    def account(self, address: str = ALICE, access_type=IMPERSONATION, **kwargs) -> Account:
        return Account(
            address, config=self.config(**kwargs), autodiscover=False, access_type=access_type
        )


@pytest.fixture
def served(tenant: Tenant) -> Iterator[Served]:
    served = Served(tenant)
    served.server.start()
    try:
        yield served
    finally:
        close_connections()
        served.server.stop()
    assert served.validator.failures == []


def test_inbox_messages_with_their_fields(served: Served) -> None:
    account = served.account()
    messages = {m.subject: m for m in account.inbox.all()}
    assert set(messages) == {"Quarterly report", "Planning meeting"}
    report = messages["Quarterly report"]
    assert isinstance(report, Message)
    assert report.sender.email_address == "carol@contoso.example"
    assert [r.email_address for r in report.to_recipients] == [ALICE]
    assert [r.email_address for r in report.cc_recipients] == ["dave@contoso.example"]
    assert report.datetime_received == datetime(2024, 9, 3, 10, 15, tzinfo=UTC)
    assert report.message_id == "<report-1@contoso.example>"
    assert "<b>numbers</b>" in report.body
    assert report.text_body == "The numbers are in."
    assert report.has_attachments
    assert served.validator.checked > 0


def test_meeting_request_is_served_as_one(served: Served) -> None:
    account = served.account()
    invite = account.inbox.get(subject="Planning meeting")
    assert type(invite).__name__ == "MeetingRequest"
    assert invite.item_class == "IPM.Schedule.Meeting.Request"


def test_meeting_cancellations_and_responses(served: Served) -> None:
    kinds = {(type(m).__name__, m.item_class) for m in served.account().sent.all()}
    assert kinds == {
        ("MeetingCancellation", "IPM.Schedule.Meeting.Canceled"),
        ("MeetingResponse", "IPM.Schedule.Meeting.Resp.Neg"),
    }


def test_folder_tree_walks_every_folder(served: Served) -> None:
    account = served.account()
    names = {f.name for f in account.root.walk()}
    assert {
        "Top of Information Store",
        "Inbox",
        "Archive",
        "Bulk",
        "Calendar",
        "Birthdays",
    } <= names
    assert account.inbox.total_count == 2
    assert account.calendar.child_folder_count == 1
    assert [f.name for f in account.calendar.children] == ["Birthdays"]
    assert (account.root / "Top of Information Store" / "Bulk").total_count == BULK
    assert "Inbox" in account.root.tree()


def test_paging_through_a_large_folder(served: Served) -> None:
    account = served.account()
    bulk = account.msg_folder_root / "Bulk"
    query = bulk.all().order_by("-datetime_received").only("subject", "datetime_received")
    query.page_size = 50
    subjects = [m.subject for m in query]
    assert subjects == [f"Bulk {n:03d}" for n in reversed(range(BULK))]


def test_querysets_slice_sort_count_and_filter(served: Served) -> None:
    bulk = served.account().msg_folder_root / "Bulk"
    by_subject = bulk.all().order_by("subject").only("subject")
    assert [m.subject for m in by_subject[10:13]] == ["Bulk 010", "Bulk 011", "Bulk 012"]
    assert bulk.all().count() == BULK
    assert bulk.filter(subject__startswith="Bulk 24").count() == 10
    assert bulk.filter(subject__contains="zz").exists() is False
    assert bulk.filter(is_read=False).count() == 0


def test_fetch_reports_unknown_ids_one_by_one(served: Served) -> None:
    account = served.account()
    known = [m.id for m in account.inbox.all().only("id")]
    answers = list(account.fetch(ids=[(known[0], None), ("AAMkAGgone", None), (known[1], None)]))
    assert isinstance(answers[1], ErrorItemNotFound)
    assert {a.subject for a in (answers[0], answers[2])} == {"Quarterly report", "Planning meeting"}


def test_restriction_on_received_time(served: Served) -> None:
    account = served.account()
    bulk = account.msg_folder_root / "Bulk"
    since = EWSDateTime(2024, 1, 11, 0, 0, tzinfo=EWSTimeZone("UTC"))
    until = EWSDateTime(2024, 1, 12, 0, 0, tzinfo=EWSTimeZone("UTC"))
    found = bulk.filter(datetime_received__gte=since, datetime_received__lt=until)
    assert sorted(m.subject for m in found) == [f"Bulk {n:03d}" for n in range(240, 250)]
    assert bulk.filter(subject="Bulk 007").count() == 1


def test_sync_items_pages_then_reports_changes(served: Served, tenant: Tenant) -> None:
    account = served.account()
    bulk = account.msg_folder_root / "Bulk"
    first = list(bulk.sync_items(only_fields=["subject"], max_changes_returned=100))
    assert len(first) == BULK
    assert {change for change, _ in first} == {"create"}
    state = bulk.item_sync_state
    assert list(bulk.sync_items(sync_state=state, max_changes_returned=100)) == []

    put_file(tenant, ALICE, "Bulk/m000.eml", bulk_mail(0).replace(b"Bulk 000", b"Bulk zero"))
    put_file(tenant, ALICE, "Bulk/new.eml", bulk_mail(500))
    gone = delete_file(tenant, ALICE, "Bulk/m001.eml")
    try:
        second = list(bulk.sync_items(sync_state=state, only_fields=["subject"]))
        kinds = {(change, getattr(item, "subject", None)) for change, item in second}
        assert ("update", "Bulk zero") in kinds
        assert ("create", "Bulk 500") in kinds
        deleted = [item for change, item in second if change == "delete"]
        assert [d.id for d in deleted] == [gone]
    finally:
        put_file(tenant, ALICE, "Bulk/m000.eml", bulk_mail(0))
        put_file(tenant, ALICE, "Bulk/m001.eml", bulk_mail(1))
        delete_file(tenant, ALICE, "Bulk/new.eml")


def test_a_moved_mail_is_created_in_one_folder_and_deleted_from_the_other(tmp_path: Path) -> None:
    tenant = load_tenant(write_tenant(tmp_path))
    served = Served(tenant)
    served.server.start()
    try:
        account = served.account()
        inbox, bulk = account.inbox, account.msg_folder_root / "Bulk"
        list(inbox.sync_items(max_changes_returned=512))
        list(bulk.sync_items(max_changes_returned=512))
        inbox_state, bulk_state = inbox.item_sync_state, bulk.item_sync_state
        moved = move_file(tenant, ALICE, "Bulk/m007.eml", "inbox/m007.eml")
        into = [
            (c, i.id) for c, i in inbox.sync_items(sync_state=inbox_state, only_fields=["subject"])
        ]
        out_of = [(c, i.id) for c, i in bulk.sync_items(sync_state=bulk_state)]
        assert into == [("create", moved)]
        assert out_of == [("delete", moved)]
    finally:
        close_connections()
        served.server.stop()
    assert served.validator.failures == []


def test_folder_hierarchy_sync(served: Served) -> None:
    account = served.account()
    changes = list(account.msg_folder_root.sync_hierarchy())
    names = {folder.name for change, folder in changes if change == "create"}
    assert {"Inbox", "Bulk", "Calendar", "Birthdays", "Tasks"} <= names
    state = account.msg_folder_root.folder_sync_state
    assert list(account.msg_folder_root.sync_hierarchy(sync_state=state)) == []


def test_a_new_folder_syncs_as_a_create(tmp_path: Path) -> None:
    tenant = load_tenant(write_tenant(tmp_path))
    served = Served(tenant)
    served.server.start()
    try:
        root = served.account().msg_folder_root
        list(root.sync_hierarchy())
        state = root.folder_sync_state
        with tenant.lock:
            mailbox = tenant.mailboxes[ALICE]
            inbox = mailbox.well_known("inbox")
            assert inbox is not None
            add_child(mailbox, inbox, "Receipts")
        changes = [(change, f.name) for change, f in root.sync_hierarchy(sync_state=state)]
        assert ("create", "Receipts") in changes
        assert all(change != "create" or name == "Receipts" for change, name in changes)
    finally:
        close_connections()
        served.server.stop()
    assert served.validator.failures == []


def test_contacts_and_distribution_lists(served: Served) -> None:
    account = served.account()
    items = list(account.contacts.all())
    contact = next(i for i in items if isinstance(i, Contact))
    group = next(i for i in items if isinstance(i, DistributionList))
    assert contact.display_name == "Frank Fisher"
    assert contact.given_name == "Frank"
    assert contact.surname == "Fisher"
    assert contact.company_name == "Fisheries Ltd"
    assert contact.job_title == "Buyer"
    assert [e.email for e in contact.email_addresses] == ["frank@fisheries.example"]
    assert [(p.label, p.phone_number) for p in contact.phone_numbers] == [
        ("MobilePhone", "+1 555 0100")
    ]
    address = contact.physical_addresses[0]
    assert (address.label, address.city, address.zipcode) == ("Business", "Portsmouth", "PO1 1AA")
    assert contact.birthday.year == 1980
    assert group.display_name == "Kayak team"
    members = sorted(m.mailbox.email_address for m in group.members)
    assert members == ["carol@contoso.example", "frank@fisheries.example"]


def test_calendar_items_with_recurrence(served: Served) -> None:
    account = served.account()
    items = {i.subject: i for i in account.calendar.all()}
    review = items["Design review"]
    assert isinstance(review, CalendarItem)
    assert review.type == "Single"
    assert review.start == datetime(2024, 9, 5, 14, 0, tzinfo=UTC)
    assert review.end == datetime(2024, 9, 5, 15, 0, tzinfo=UTC)
    assert review.location == "Room 4"
    assert review.organizer.email_address == "carol@contoso.example"
    assert [a.mailbox.email_address for a in review.required_attendees] == [ALICE]
    assert [a.mailbox.email_address for a in review.optional_attendees] == ["dave@contoso.example"]
    assert review.required_attendees[0].response_type == "Accept"
    assert "Bring the drawings." in review.body
    assert review.text_body == "Bring the drawings."

    series = items["Stand-up"]
    assert series.type == "RecurringMaster"
    pattern = series.recurrence.pattern
    assert type(pattern).__name__ == "WeeklyPattern"
    assert [d for d in pattern.weekdays] == [1, 3]
    assert series.recurrence.boundary.number == 6
    assert series.organizer.email_address == ALICE  # no ORGANIZER: the mailbox owner's own
    assert series.first_occurrence.start == datetime(2024, 9, 2, 9, 0, tzinfo=UTC)
    assert series.last_occurrence.start == datetime(2024, 9, 18, 9, 0, tzinfo=UTC)
    # Exceptions live inside their series: listed as modified occurrences, fetched by id.
    assert "Stand-up (late)" not in items
    (modified,) = series.modified_occurrences
    (late,) = account.fetch(ids=[(modified.id, modified.changekey)])
    assert (late.subject, late.type, late.is_recurring) == ("Stand-up (late)", "Exception", True)
    assert late.original_start == datetime(2024, 9, 4, 9, 0, tzinfo=UTC)
    assert late.start == modified.start == datetime(2024, 9, 4, 10, 0, tzinfo=UTC)
    assert items["Company holiday"].is_all_day

    birthdays = account.calendar / "Birthdays"
    (birthday,) = birthdays.all()
    assert type(birthday.recurrence.pattern).__name__ == "AbsoluteYearlyPattern"


def test_a_changed_exception_syncs_as_its_series(served: Served, tenant: Tenant) -> None:
    calendar = served.account().calendar
    first = list(calendar.sync_items(only_fields=["subject"]))
    assert sorted(item.subject for _, item in first) == [
        "Company holiday",
        "Design review",
        "Stand-up",
    ]
    state = calendar.item_sync_state
    changed = EVENTS.replace("SUMMARY:Stand-up (late)", "SUMMARY:Stand-up (later)")
    put_file(tenant, ALICE, "calendar/events.ics", changed.encode())
    try:
        second = list(calendar.sync_items(sync_state=state, only_fields=["subject"]))
        assert ("update", "Stand-up") in {(change, item.subject) for change, item in second}
        assert all(item.subject != "Stand-up (later)" for _, item in second)
    finally:
        put_file(tenant, ALICE, "calendar/events.ics", EVENTS.encode())


def test_calendar_view_expands_occurrences(served: Served) -> None:
    account = served.account()
    tz = EWSTimeZone("UTC")
    view = account.calendar.view(
        start=EWSDateTime(2024, 9, 2, tzinfo=tz), end=EWSDateTime(2024, 9, 8, tzinfo=tz)
    )
    got = sorted((i.start, i.subject, i.type) for i in view)
    assert [(s.day, s.hour) for s, _, _ in got] == [(2, 9), (4, 10), (5, 14)]
    assert [t for _, _, t in got] == ["Occurrence", "Exception", "Single"]


def test_tasks_with_their_fields(served: Served) -> None:
    account = served.account()
    tasks = {t.subject: t for t in account.tasks.all()}
    paddles = tasks["Order paddles"]
    assert isinstance(paddles, Task)
    assert paddles.status == "InProgress"
    assert paddles.percent_complete == 40
    assert paddles.due_date == date(2024, 9, 15)
    assert paddles.start_date == date(2024, 9, 1)
    assert "Two sets of paddles." in paddles.body
    assert paddles.importance == "High"
    done = tasks["File expenses"]
    assert done.status == "Completed"
    assert done.complete_date is not None
    assert done.is_complete


def test_attachments_and_their_content(served: Served) -> None:
    account = served.account()
    report = account.inbox.get(subject="Quarterly report")
    files = [a for a in report.attachments if isinstance(a, FileAttachment)]
    attached = [a for a in report.attachments if isinstance(a, ItemAttachment)]
    assert [(f.name, f.content_type) for f in files] == [
        ("logo.png", "image/png"),
        ("q3.csv", "text/csv"),
    ]
    assert files[1].content == b"quarter,revenue\nQ3,42\n"
    assert files[1].size == len(files[1].content)
    assert attached and attached[0].item.subject == "Draft numbers"
    logo = next(a for a in report.attachments if a.name == "logo.png")
    assert (logo.is_inline, logo.content_id) == (True, "logo@contoso.example")
    assert logo.content == b"\x89PNG\r\n\x1a\n"


def test_attachments_of_events_and_tasks(served: Served) -> None:
    account = served.account()
    review = account.calendar.get(subject="Design review")
    (agenda,) = review.attachments
    assert (agenda.name, agenda.content_type) == ("agenda.txt", "text/plain")
    assert agenda.content == b"1. Drawings\n2. Budget\n"
    paddles = account.tasks.get(subject="Order paddles")
    assert paddles.has_attachments
    assert [a.content for a in paddles.attachments] == [b"paddle,2\n"]


def test_shared_and_disabled_users_mailboxes_exist(served: Served) -> None:
    assert served.account(SUPPORT).inbox.total_count == 0
    assert served.account(BOB).inbox.total_count == 1


def test_unknown_mailbox_is_refused(served: Served) -> None:
    with pytest.raises(ErrorNonExistentMailbox):
        served.account("nobody@contoso.example").inbox.total_count  # noqa: B018


def test_basic_authentication(served: Served) -> None:
    account = served.account(user="svc-search@contoso.example", auth=BASIC)
    assert account.inbox.total_count == 2


@pytest.mark.parametrize("auth", [NTLM, BASIC])
def test_wrong_password_is_refused(served: Served, auth: str) -> None:
    with pytest.raises(UnauthorizedError):
        served.account(password="wrong", auth=auth).inbox.total_count  # noqa: B018


def test_impersonation_denied_without_the_role(tmp_path: Path) -> None:
    tenant = load_tenant(write_tenant(tmp_path))
    assert tenant.service_account is not None
    tenant.service_account.impersonation = False
    served = Served(tenant)
    served.server.start()
    try:
        with pytest.raises(ErrorImpersonateUserDenied):
            served.account().inbox.total_count  # noqa: B018
    finally:
        close_connections()
        served.server.stop()
    assert served.validator.failures == []


def test_delegate_access_to_another_mailbox_is_denied(served: Served) -> None:
    with pytest.raises(ErrorAccessDenied):
        served.account(access_type=DELEGATE).inbox.total_count  # noqa: B018


def test_occurrences_by_index(served: Served) -> None:
    account = served.account()
    series = account.calendar.get(subject="Stand-up")
    first = series.occurrence(index=1)
    first.refresh()
    assert (first.type, first.start) == ("Occurrence", datetime(2024, 9, 2, 9, 0, tzinfo=UTC))
    second = series.occurrence(index=2)
    second.refresh()
    assert (second.type, second.subject) == ("Exception", "Stand-up (late)")
