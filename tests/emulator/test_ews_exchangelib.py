"""The EWS emulator, driven by exchangelib (a client we did not write).

Every SOAP response these tests receive is validated against Microsoft's EWS
schema by a middleware on the test server.
"""

from __future__ import annotations

import base64
import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ews_schema import ValidatingMiddleware
from exchangelib import (
    IMPERSONATION,
    NTLM,
    Account,
    Configuration,
    Credentials,
    Message,
)
from exchangelib.protocol import close_connections

from outlook_emulator.ews.app import EwsApp
from outlook_emulator.http import EmulatorServer
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

REPORT = b"""\
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
Content-Type: text/csv; name="q3.csv"
Content-Disposition: attachment; filename="q3.csv"
Content-Transfer-Encoding: base64

""" + base64.b64encode(b"quarter,revenue\nQ3,42\n") + b"""
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
        return Account(address, config=self.config(**kwargs), autodiscover=False, access_type=access_type)


@pytest.fixture
def served(tenant: Tenant) -> Iterator[Served]:
    served = Served(tenant)
    served.server.start()
    try:
        yield served
    finally:
        close_connections()
        served.server.stop()
    assert served.validator.checked > 0
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
    assert report.has_attachments
