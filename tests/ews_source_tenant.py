"""A small Exchange Server tenant for the EWS source tests: one file per object kind.

The expected document values in the tests are read from the same constants
that are written into the tenant folder here.
"""

from __future__ import annotations

import base64
import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

DOMAIN = "contoso.example"
ALICE = "alice@contoso.example"
HELPDESK = "helpdesk@contoso.example"  # a shared mailbox
TENANT_ID = "5f1c7a52-0d1e-4c55-9d3e-2b7a6f1e8a10"
CLIENT_ID = "0b9d6c1e-3c7e-4c7a-8f3e-0d2c5b9a7e11"  # for reading the same tenant through Graph
CLIENT_SECRET = "graph-client-secret"
SERVICE_USER = "svc-search"
PASSWORD = "another-secret"
INBOX_BULK = 7  # with the two mails below, more than two pages of three

REPORT_CSV = b"quarter,revenue\nQ3,42\n"
AGENDA = b"1. Drawings\n2. Budget\n"
PADDLE_QUOTE = b"2 sets: 180 EUR\n"

REPORT = (
    b"""\
From: Carol <Carol@Contoso.example>
To: Alice Example <alice@contoso.example>
Cc: Dave <dave@contoso.example>
Subject: Quarterly report
Date: Tue, 03 Sep 2024 12:15:00 +0200
Message-ID: <report-1@contoso.example>
Importance: high
Keywords: Finance
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

"""
    + base64.b64encode(REPORT_CSV)
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

SENT = b"""\
From: Alice Example <alice@contoso.example>
To: Bob <bob@fabrikam.example>
Bcc: audit@contoso.example
Subject: Re: offer
Date: Thu, 05 Sep 2024 16:00:00 +0000
Message-ID: <sent-1@contoso.example>

We accept.
"""

ARCHIVED = b"""\
From: Old Friend <friend@example.net>
To: alice@contoso.example
Subject: Old times
Date: Fri, 01 Mar 2019 10:00:00 +0000

Remember?
"""

JUNK = b"""\
From: Prize <prize@spam.example>
To: alice@contoso.example
Subject: You won
Date: Sat, 07 Sep 2024 03:00:00 +0000

Click here.
"""

CONTACTS = """\
BEGIN:VCARD
VERSION:3.0
UID:contact-1
FN:Frank Fisher
N:Fisher;Frank;;;
ORG:Fisheries Ltd
TITLE:Buyer
EMAIL;TYPE=work:Frank@Fisheries.example
EMAIL;TYPE=home:frank.home@example.org
TEL;TYPE=cell:+1 555 0100
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

SUPPLIERS = """\
BEGIN:VCARD
VERSION:3.0
UID:contact-2
FN:Grace Grain
EMAIL:grace@mill.example
END:VCARD
"""

EVENTS = """\
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:single-1
DTSTART;TZID=Europe/Berlin:20240905T160000
DTEND;TZID=Europe/Berlin:20240905T170000
SUMMARY:Design review
LOCATION:Room 4
ORGANIZER;CN=Carol:mailto:carol@contoso.example
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:alice@contoso.example
ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:Dave@contoso.example
DESCRIPTION:Bring the drawings.
ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=agenda.txt:{agenda}
END:VEVENT
BEGIN:VEVENT
UID:series-1
DTSTART:20240902T090000Z
DTEND:20240902T091500Z
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:allday-1
DTSTART;VALUE=DATE:20240920
DTEND;VALUE=DATE:20240921
SUMMARY:Company holiday
END:VEVENT
END:VCALENDAR
""".replace("{agenda}", base64.b64encode(AGENDA).decode())

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
DTSTART;VALUE=DATE:20240901
DUE;VALUE=DATE:20240915
STATUS:IN-PROCESS
PRIORITY:1
DESCRIPTION:Two sets of paddles.
ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=quote.txt:{quote}
END:VTODO
BEGIN:VTODO
UID:task-2
SUMMARY:File expenses
STATUS:COMPLETED
COMPLETED:20240902T120000Z
END:VTODO
END:VCALENDAR
""".replace("{quote}", base64.b64encode(PADDLE_QUOTE).decode())


def bulk_mail(n: int) -> bytes:
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    return (
        f"From: Bulk Sender <bulk@example.net>\nTo: {ALICE}\nSubject: Bulk {n:03d}\n"
        f"Date: {email.utils.format_datetime(when)}\nMessage-ID: <bulk-{n}@example.net>\n\n"
        f"Bulk body {n}.\n"
    ).encode()


def write_tenant(root: Path, *, impersonation: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tenant.toml").write_text(
        f"""\
tenant_id = "{TENANT_ID}"
domain = "{DOMAIN}"
netbios_name = "CONTOSO"

[[applications]]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
permissions = ["User.Read.All", "MailboxSettings.Read", "Mail.Read", "Contacts.Read",
               "Calendars.Read", "Tasks.Read.All"]

[service_account]
username = "{SERVICE_USER}"
password = "{PASSWORD}"
impersonation = {"true" if impersonation else "false"}

[[users]]
mail = "{ALICE}"
display_name = "Alice Example"

[[users]]
mail = "{HELPDESK}"
display_name = "Help Desk"
kind = "shared"
""",
        encoding="utf-8",
    )
    box = root / "mailboxes" / ALICE
    files: dict[str, bytes | str] = {
        "inbox/report.eml": REPORT,
        "inbox/invite.eml": INVITE,
        "sentitems/offer.eml": SENT,
        "archive/old.eml": ARCHIVED,
        "junkemail/prize.eml": JUNK,
        "contacts/people.vcf": CONTACTS,
        "contacts/Suppliers/mill.vcf": SUPPLIERS,
        "calendar/events.ics": EVENTS,
        "calendar/Birthdays/birthdays.ics": BIRTHDAYS,
        "tasks/todo.ics": TASKS,
    }
    files.update({f"inbox/bulk{n:02d}.eml": bulk_mail(n) for n in range(INBOX_BULK)})
    for relative, content in files.items():
        path = box / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "mailboxes" / HELPDESK / "inbox").mkdir(parents=True)
    (root / "mailboxes" / HELPDESK / "inbox" / "ticket.eml").write_bytes(bulk_mail(100))
    return root
