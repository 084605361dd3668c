"""Builds the bundled demo tenant: Contoso Outdoor, an outdoor gear retailer in Hamburg.

Run ``python -m outlook_emulator.demo_tenant_builder`` to rewrite
``outlook_emulator/demo_tenant/`` (the output is byte-for-byte the same on
every run). The story: Contoso Outdoor negotiates with its kayak supplier
Nordic Paddle Works, launches the Fjord kayak line, visits its partner store
Casa do Mar in Lisbon, pays and chases invoices, and answers customers on its
shared support mailbox. Every person, company and address is invented;
``.example`` domains are reserved for examples.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl

DEMO_TENANT = Path(__file__).parent / "demo_tenant"
DOMAIN = "contoso.example"
HAMBURG = ZoneInfo("Europe/Berlin")
ARCHIVED_BEFORE = datetime(2025, 7, 1, tzinfo=HAMBURG)
FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    title: str = ""
    phone: str = ""

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def internal(self) -> bool:
        return self.address.endswith("@" + DOMAIN)


MARIA = Person("Maria Santos", f"maria.santos@{DOMAIN}", "Managing Director", "+49 40 5550 100")
JOAO = Person("João Ferreira", f"joao.ferreira@{DOMAIN}", "Head of Purchasing", "+49 40 5550 120")
EMMA = Person(
    "Emma Lind", f"emma.lind@{DOMAIN}", "Product Manager, Paddle Sports", "+49 40 5550 130"
)
LUCAS = Person("Lucas Meyer", f"lucas.meyer@{DOMAIN}", "Finance Manager", "+49 40 5550 140")
SOFIA = Person(
    "Sofia Costa", f"sofia.costa@{DOMAIN}", "Retail & Partnerships Manager", "+49 40 5550 150"
)
TOM = Person("Tom Baker", f"tom.baker@{DOMAIN}", "Warehouse Lead", "+49 40 5550 160")
SUPPORT = Person("Contoso Outdoor Support", f"support@{DOMAIN}")
STAFF = [MARIA, JOAO, EMMA, LUCAS, SOFIA]

INGRID = Person(
    "Ingrid Haugen",
    "ingrid.haugen@nordicpaddle.example",
    "Sales Director, Nordic Paddle Works",
    "+47 55 12 34 56",
)
RUI = Person(
    "Rui Almeida", "rui.almeida@casadomar.example", "Owner, Casa do Mar Outdoor", "+351 21 555 0142"
)
PEDRO = Person(
    "Pedro Lopes", "accounts@serratrail.example", "Accounts, Serra Trail Supply", "+34 91 555 0199"
)
KIM = Person(
    "Kim Nakamura",
    "kim.nakamura@northlight.example",
    "Photographer, Northlight Studio",
    "+49 40 5559 870",
)
HOTEL = Person("Hotel Alfama Rio", "reservations@alfamario.example")
AIRLINE = Person("SkyWays Bookings", "bookings@skyways.example")
IT_DESK = Person("Contoso IT", f"it@{DOMAIN}")


def tenant_toml() -> str:
    users = "".join(
        f'\n[[users]]\nmail = "{p.address}"\ndisplay_name = "{p.name}"\n'
        f'given_name = "{p.first}"\nsurname = "{p.name.split()[-1]}"\njob_title = "{p.title}"\n'
        for p in STAFF
    )
    return (
        "# Contoso Outdoor: the demo organisation (all names and addresses are invented).\n"
        'tenant_id = "6a0c4f1e-2b7d-4e39-9c5a-c0e7d0a1f2b3"\n'
        f'domain = "{DOMAIN}"\nnetbios_name = "CONTOSO"\n\n'
        "[[applications]]\n"
        'client_id = "3f2b8c41-7d6e-4a59-b0c2-91e4d5f6a7b8"\n'
        'client_secret = "demo-client-secret-change-me"\n'
        'permissions = ["User.Read.All", "MailboxSettings.Read", "Mail.Read", "Contacts.Read", '
        '"Calendars.Read", '
        '"Tasks.Read.All", "GroupMember.Read.All"]\n\n'
        "[service_account]\n"
        'username = "svc-search"\npassword = "Demo-Passw0rd!"\nimpersonation = true\n'
        f"{users}"
        f'\n[[users]]\nmail = "{TOM.address}"\ndisplay_name = "{TOM.name}"\n'
        f'job_title = "{TOM.title}"\nenabled = false   # left the company in June 2025\n'
        f'\n[[users]]\nmail = "{SUPPORT.address}"\ndisplay_name = "{SUPPORT.name}"\n'
        'kind = "shared"\naliases = ["help@contoso.example"]\n'
        f"{GROUPS}"
    )


# Directory groups (an extension of the tenant format): a security group nested
# in a Microsoft 365 group, for the groups_include sync rule.
GROUPS = (
    '\n[[groups]]\nname = "Management"\nkind = "security"\n'
    'members = ["maria.santos@contoso.example", "lucas.meyer@contoso.example"]\n'
    '\n[[groups]]\nname = "Contoso Outdoor Staff"\nmail = "staff@contoso.example"\n'
    'kind = "microsoft365"\n'
    'members = ["joao.ferreira@contoso.example", "emma.lind@contoso.example", '
    '"sofia.costa@contoso.example", "Management"]\n'
)


# --- attachments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class File:
    name: str
    content_type: str
    data: bytes


_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_zip(data: bytes) -> bytes:
    """The same package with fixed entry times, so that every build gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = _CORE_TIMES.sub(rb"\g<1>2025-01-01T00:00:00Z\g<2>", content)
            target.writestr(
                zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME),
                content,
                zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def word(name: str, title: str, paragraphs: Sequence[str]) -> File:
    document = docx.Document()
    document.core_properties.author = "Contoso Outdoor"
    document.core_properties.created = datetime(2025, 1, 1)
    document.core_properties.modified = datetime(2025, 1, 1)
    document.core_properties.last_modified_by = "Contoso Outdoor"
    document.core_properties.revision = 1
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return File(name, DOCX, _fixed_zip(buffer.getvalue()))


def sheet(name: str, rows: Sequence[Sequence[object]]) -> File:
    book = openpyxl.Workbook()
    book.properties.creator = "Contoso Outdoor"
    book.properties.created = datetime(2025, 1, 1)
    book.properties.modified = datetime(2025, 1, 1)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return File(name, XLSX, _fixed_zip(buffer.getvalue()))


def table(name: str, rows: Sequence[Sequence[object]]) -> File:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return File(name, "text/csv", buffer.getvalue().encode("utf-8"))


def text(name: str, body: str) -> File:
    return File(name, "text/plain", body.encode("utf-8"))


# --- mail ------------------------------------------------------------------------------------


@dataclass
class Mail:
    sender: Person
    to: list[Person]
    cc: list[Person]
    subject: str
    body: str
    when: datetime
    message_id: str
    references: list[str] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    importance: str = ""
    categories: list[str] = field(default_factory=list)
    html: bool = False
    calendar: str | None = None  # a text/calendar part (METHOD:REQUEST) for meeting requests
    folder: str | None = None  # where recipients keep it, when not their usual folder


def at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=HAMBURG)


def _header_address(person: Person) -> str:
    return formataddr(
        (
            str(Header(person.name, "utf-8")) if not person.name.isascii() else person.name,
            person.address,
        )
    )


def _subject(subject: str) -> str:
    return subject if subject.isascii() else Header(subject, "utf-8").encode(linesep="\r\n")


def _quote(mail: Mail) -> str:
    lines = mail.body.strip().splitlines()
    stamp = mail.when.strftime("%d %B %Y %H:%M")
    return f"\n\nOn {stamp}, {mail.sender.name} wrote:\n" + "\n".join(f"> {line}" for line in lines)


def _html(body: str) -> str:
    paragraphs = "".join(
        "<p>" + p.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        for p in body.split("\n\n")
    )
    return f'<html><body style="font-family:Calibri,sans-serif">{paragraphs}</body></html>'


def mime(mail: Mail) -> bytes:
    """The message as RFC 5322 bytes, written by hand so that boundaries are deterministic."""
    headers = [
        f"From: {_header_address(mail.sender)}",
        f"To: {', '.join(_header_address(p) for p in mail.to)}",
    ]
    if mail.cc:
        headers.append(f"Cc: {', '.join(_header_address(p) for p in mail.cc)}")
    headers += [
        f"Subject: {_subject(mail.subject)}",
        f"Date: {format_datetime(mail.when)}",
        f"Message-ID: {mail.message_id}",
    ]
    if mail.references:
        headers += [
            f"In-Reply-To: {mail.references[-1]}",
            f"References: {' '.join(mail.references)}",
        ]
    if mail.importance:
        headers.append(f"Importance: {mail.importance}")
    if mail.categories:
        headers.append(f"Keywords: {', '.join(mail.categories)}")
    headers.append("MIME-Version: 1.0")
    tag = mail.message_id.strip("<>").split("@")[0]
    body = _body_part(mail, tag)
    if not mail.files:
        return ("\r\n".join(headers) + "\r\n" + body).encode("utf-8")
    boundary = f"----=_mixed_{tag}"
    parts = [body] + [_file_part(f) for f in mail.files]
    joined = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return (
        "\r\n".join(headers) + f'\r\nContent-Type: multipart/mixed; boundary="{boundary}"'
        f"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n{joined}"
        f"--{boundary}--\r\n"
    ).encode("utf-8")


def _body_part(mail: Mail, tag: str) -> str:
    plain = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    plain += mail.body.replace("\n", "\r\n") + "\r\n"
    if not mail.html and mail.calendar is None:
        return plain
    boundary = f"----=_alt_{tag}"
    alternatives = [plain]
    if mail.html:
        alternatives.append(
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + _html(mail.body) + "\r\n"
        )
    if mail.calendar is not None:
        alternatives.append(
            "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + mail.calendar
        )
    joined = "".join(f"--{boundary}\r\n{part}\r\n" for part in alternatives)
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n{joined}'
        f"--{boundary}--\r\n"
    )


def _file_part(file: File) -> str:
    encoded = base64.encodebytes(file.data).decode("ascii").replace("\n", "\r\n")
    return (
        f'Content-Type: {file.content_type}; name="{file.name}"\r\n'
        f'Content-Disposition: attachment; filename="{file.name}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
    )


class Mailroom:
    """Sends mail between the demo people and files each copy where its owner keeps it."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.counter = 0
        # (mailbox address, subject keyword) -> the folder that mailbox files such mail in
        self.rules: list[tuple[str, str, str]] = []
        self.extra: list[tuple[str, str, Mail]] = []  # (address, folder, mail) placed by hand

    def send(
        self,
        sender: Person,
        to: Iterable[Person],
        subject: str,
        body: str,
        when: datetime,
        cc: Iterable[Person] = (),
        files: Iterable[File] = (),
        references: Sequence[str] = (),
        **options: object,
    ) -> Mail:
        self.counter += 1
        domain = sender.address.split("@")[1]
        mail = Mail(
            sender=sender,
            to=list(to),
            cc=list(cc),
            subject=subject,
            body=_signed(body, sender),
            when=when,
            message_id=f"<demo.{self.counter:04d}.{when:%Y%m%d}@{domain}>",
            references=list(references),
            files=list(files),
        )
        for key, value in options.items():
            setattr(mail, key, value)
        self.sent.append(mail)
        return mail

    def reply(
        self,
        parent: Mail,
        sender: Person,
        body: str,
        when: datetime,
        to: Iterable[Person] | None = None,
        cc: Iterable[Person] | None = None,
        files: Iterable[File] = (),
        prefix: str = "RE: ",
        **options: object,
    ) -> Mail:
        subject = parent.subject if parent.subject.startswith(prefix) else prefix + parent.subject
        recipients = list(to) if to is not None else [parent.sender]
        copies = (
            list(cc)
            if cc is not None
            else [p for p in parent.to + parent.cc if p != sender and p not in recipients]
        )
        return self.send(
            sender,
            recipients,
            subject,
            body + _quote(parent),
            when,
            cc=copies,
            files=files,
            references=[*parent.references, parent.message_id],
            **options,
        )

    def file(self, address: str, keyword: str, folder: str) -> None:
        self.rules.append((address, keyword, folder))

    def place(self, person: Person, folder: str, mail: Mail) -> None:
        self.extra.append((person.address, folder, mail))

    def deliveries(self) -> Iterable[tuple[str, str, Mail]]:
        """(mailbox, folder, mail) for every copy: sent items, inboxes, and hand placements."""
        mailboxes = {p.address for p in [*STAFF, TOM, SUPPORT]}
        for mail in self.sent:
            if mail.sender.address in mailboxes:
                yield mail.sender.address, "sentitems", mail
            for person in dict.fromkeys(mail.to + mail.cc):
                if person.address in mailboxes and person != mail.sender:
                    yield person.address, self._folder(person.address, mail), mail
        yield from self.extra

    def _folder(self, address: str, mail: Mail) -> str:
        if mail.folder is not None:
            return mail.folder
        for owner, keyword, folder in self.rules:
            if owner == address and keyword.lower() in mail.subject.lower():
                return folder
        return "archive" if mail.when < ARCHIVED_BEFORE else "inbox"


def _signed(body: str, sender: Person) -> str:
    if not sender.internal:
        return body.strip() + f"\n\n{sender.name}\n{sender.title}".rstrip() + "\n"
    if sender in (SUPPORT, IT_DESK):
        return (
            body.strip() + f"\n\n{sender.name}\nContoso Outdoor · Hafenstraße 12 · 20457 Hamburg\n"
        )
    return (
        body.strip() + f"\n\nBest regards,\n{sender.name}\n{sender.title} · Contoso Outdoor\n"
        f"{sender.phone}\n"
    )


# --- stories ---------------------------------------------------------------------------------

PRICE_LIST = table(
    "NPW-price-list-2026.csv",
    [
        ["sku", "model", "type", "length_cm", "unit_price_eur", "moq"],
        ["NPW-390", "Fjord 390", "touring kayak", 390, 612.00, 50],
        ["NPW-430", "Fjord 430", "sea kayak", 430, 798.00, 50],
        ["NPW-DUO", "Fjord Duo", "tandem kayak", 505, 941.00, 25],
        ["NPW-PDL", "Carbon paddle 220", "paddle", 220, 88.00, 100],
        ["NPW-SPR", "Neoprene spray deck", "accessory", 0, 39.50, 100],
    ],
)


def supplier_negotiation(m: Mailroom) -> None:
    """João negotiates the 2026 kayak supply with Nordic Paddle Works."""
    m.file(JOAO.address, "Nordic Paddle", "Suppliers/Nordic Paddle Works")
    first = m.send(
        INGRID,
        [JOAO],
        "Nordic Paddle Works – 2026 price list",
        """
Dear João,

Thank you for your visit to Bergen last week. As promised, please find our 2026 price list for
the Fjord kayak series attached. Prices are ex works Bergen and valid for orders placed before
31 December 2025.

For a launch volume we are happy to talk about a volume discount and a split delivery.

Kind regards,""",
        at("2025-09-08", "10:12"),
        files=[PRICE_LIST],
    )
    ask = m.reply(
        first,
        JOAO,
        """
Dear Ingrid,

Thank you for the price list. For the launch of the Fjord line in spring we plan with about
400 kayaks (mostly Fjord 390 and 430) and 120 tandems.

Could you quote a volume discount for 400 and for 600 units, and a delivery in three batches
(January, February, March)? Payment terms of 60 days would help us a lot.""",
        at("2025-09-09", "08:41"),
        cc=[MARIA],
    )
    offer = m.reply(
        ask,
        INGRID,
        """
Dear João,

We can offer 6% off list for 400 units and 8% for 600 units, delivered in three batches.
Our standard payment term is 30 days; 45 days would be possible at 600 units.

Freight to Hamburg is EUR 2,400 per batch.""",
        at("2025-09-12", "14:05"),
    )
    internal = m.send(
        JOAO,
        [MARIA],
        "Nordic Paddle offer – my recommendation",
        """
Hi Maria,

Nordic Paddle Works offers 8% off at 600 kayaks (6% at 400), 45 days payment, freight
EUR 2,400 per batch. Demand estimates from Emma and Sofia are 520–650 units for the first
season, and Casa do Mar alone wants 60.

I recommend we go for 600 units and push for 9% and 60 days. Can you approve?""",
        at("2025-09-12", "16:30"),
        references=[*offer.references, offer.message_id],
    )
    approval = m.reply(
        internal,
        MARIA,
        """
João, agreed. Go for 600 if we get 60 days; anything at or above 8% is fine with me.
Please keep Lucas in the loop for the payment plan.""",
        at("2025-09-13", "09:02"),
    )
    counter = m.reply(
        offer,
        JOAO,
        """
Dear Ingrid,

Thank you. We are ready to commit to 600 units (three batches) if you can do 9% and 60 days
payment. In return we would give Nordic Paddle Works exclusivity for touring and sea kayaks in
our shops for 2026.""",
        at("2025-09-15", "11:20"),
        cc=[MARIA],
    )
    final = m.reply(
        counter,
        INGRID,
        """
Dear João,

We have discussed your proposal internally. We can agree to 8.5% off list on 600 units,
60 days payment, and free freight for the first batch. Please find our draft supply contract
attached; batch 1 (200 units) would ship on 12 January 2026.""",
        at("2025-09-19", "13:47"),
        files=[
            word(
                "NPW-supply-contract-2026-draft.docx",
                "Supply agreement 2026 (draft)",
                [
                    "Between Nordic Paddle Works AS, Bergen, and Contoso Outdoor GmbH, Hamburg.",
                    "1. Volume: 600 kayaks of the Fjord series in three batches (January, February, "
                    "March 2026).",
                    "2. Price: list price 2026 less 8.5% volume discount.",
                    "3. Payment: 60 days net from invoice date.",
                    "4. Freight: free for batch 1, EUR 2,400 per batch thereafter.",
                    "5. Exclusivity: touring and sea kayaks in Contoso Outdoor shops during 2026.",
                ],
            )
        ],
    )
    m.reply(
        final,
        JOAO,
        """
Dear Ingrid,

Excellent – we accept. The signed contract is attached; Lucas Meyer from our finance team is
in copy for invoicing. Looking forward to batch 1 in January!""",
        at("2025-09-23", "10:15"),
        cc=[MARIA, LUCAS],
        files=[
            word(
                "NPW-supply-contract-2026-signed.docx",
                "Supply agreement 2026 (signed)",
                [
                    "Signed for Contoso Outdoor GmbH by Maria Santos, Managing Director, 22 September "
                    "2025.",
                    "Volume 600 kayaks, 8.5% discount, 60 days payment, batch 1 freight free.",
                ],
            )
        ],
    )
    m.reply(
        approval,
        JOAO,
        "Done – signed at 8.5%, 60 days, free freight for batch 1.",
        at("2025-09-23", "10:20"),
    )
    delivery = m.send(
        INGRID,
        [JOAO],
        "Nordic Paddle Works – batch 1 shipping notice",
        """
Dear João,

Batch 1 (120 x Fjord 390, 60 x Fjord 430, 20 x Fjord Duo) left Bergen today by truck and ferry.
Expected arrival at your Hamburg warehouse: 15 January 2026, morning.""",
        at("2026-01-12", "15:10"),
    )
    m.reply(
        delivery,
        JOAO,
        "Thank you Ingrid, our warehouse team is ready for Thursday.",
        at("2026-01-12", "16:02"),
    )


def kayak_launch(m: Mailroom) -> None:
    """Emma runs the launch of the Fjord kayak line."""
    m.file(EMMA.address, "Fjord", "Projects/Fjord Launch")
    team = [MARIA, SOFIA, JOAO, LUCAS]
    plan = m.send(
        EMMA,
        team,
        "Fjord kayak line – launch plan",
        """
Hi all,

Attached is the launch plan for our new Fjord kayak line (Fjord 390 touring kayak, Fjord 430
sea kayak, Fjord Duo tandem). Key dates:

- 20 October: product photos at Lake Plön (Northlight Studio)
- 1 December: pre-orders open online
- 14 March 2026: launch day in all shops, launch event in Hamburg
- 21 March 2026: launch event in Lisbon with Casa do Mar (to be confirmed)

Budget request: EUR 45,000 (photos, launch events, online campaign, demo fleet of 12 kayaks).
Comments by Friday please.""",
        at("2025-09-24", "09:30"),
        files=[
            word(
                "Fjord-launch-plan.docx",
                "Fjord kayak line – launch plan",
                [
                    "Products: Fjord 390 touring kayak, Fjord 430 sea kayak, Fjord Duo tandem kayak.",
                    "Positioning: stable, light, made in Norway – the kayak for Baltic and Atlantic "
                    "coasts.",
                    "Channels: 9 Contoso Outdoor shops, online shop, partner store Casa do Mar "
                    "(Lisbon).",
                    "Budget: EUR 45,000 – photos 6,000, events 14,000, online 17,000, demo fleet 8,000.",
                ],
            )
        ],
        categories=["Fjord launch"],
    )
    lisbon = m.reply(
        plan,
        SOFIA,
        """
Great plan! Rui from Casa do Mar would love to host the Lisbon launch event on 21 March –
they have space for 80 guests and can organise a paddle tour on the Tagus. I'll discuss the
details with him when we visit Lisbon in November.""",
        at("2025-09-24", "11:05"),
        cc=[MARIA],
    )
    m.reply(
        lisbon,
        MARIA,
        """
Budget approved: EUR 45,000. Lisbon event sounds good – let's decide after the trip.""",
        at("2025-09-25", "08:15"),
        to=[EMMA, SOFIA],
        cc=[JOAO, LUCAS],
    )
    pricing = m.send(
        EMMA,
        [LUCAS],
        "Fjord pricing – margin check",
        """
Hi Lucas,

Proposed retail prices for the Fjord line: Fjord 390 EUR 1,290, Fjord 430 EUR 1,690,
Fjord Duo EUR 1,990 (all incl. VAT). With the 8.5% discount from Nordic Paddle Works, do we
still reach our 42% target margin?""",
        at("2025-09-26", "10:40"),
        categories=["Fjord launch"],
    )
    m.reply(
        pricing,
        LUCAS,
        """
Hi Emma,

Yes – with the 8.5% discount and free freight for batch 1 the blended margin is 44.1%
(Fjord 390: 43.2%, Fjord 430: 45.0%, Duo: 44.6%). From batch 2 on freight costs us about
0.6 points. See the attached calculation.""",
        at("2025-09-29", "15:20"),
        files=[
            sheet(
                "Fjord-margin-calculation.xlsx",
                [
                    ["model", "retail_eur_incl_vat", "net_retail_eur", "cost_eur", "margin_pct"],
                    ["Fjord 390", 1290, 1084.03, 560.00, 43.2],
                    ["Fjord 430", 1690, 1420.17, 730.17, 45.0],
                    ["Fjord Duo", 1990, 1672.27, 861.02, 44.6],
                ],
            )
        ],
    )
    shoot = m.send(
        EMMA,
        [KIM],
        "Photo shoot for the Fjord kayaks – 20 October",
        """
Hello Kim,

as discussed on the phone: could you photograph our three new kayaks at Lake Plön on
20 October? We need product shots on white, lifestyle shots on the water (two paddlers
available), and a short video clip for social media.""",
        at("2025-09-30", "13:12"),
    )
    quote = m.reply(
        shoot,
        KIM,
        """
Hi Emma,

20 October works. For a full day with drone, boat and editing (40 images + 60 s clip) my
quote is EUR 5,400 plus travel. If the weather is bad we move to 22 October.""",
        at("2025-10-01", "09:47"),
    )
    m.reply(
        quote,
        EMMA,
        "Perfect, please go ahead. I'll send the call sheet next week.",
        at("2025-10-01", "10:30"),
    )
    photos = m.send(
        KIM,
        [EMMA],
        "Fjord photos – first selection",
        """
Hi Emma,

the first selection of 42 images is online in the gallery (password sent by text message).
My favourite is the Fjord 430 at sunrise on the jetty. The video clip follows on Friday.""",
        at("2025-10-24", "17:55"),
    )
    m.reply(
        photos,
        EMMA,
        "They are beautiful! Fjord 430 at sunrise will be our key visual.",
        at("2025-10-25", "09:10"),
        cc=[SOFIA],
    )
    release = word(
        "Press-release-Fjord-kayaks.docx",
        "Contoso Outdoor launches the Fjord kayak line",
        [
            "Hamburg, 14 March 2026 – Contoso Outdoor today launches the Fjord kayak line, three "
            "kayaks made in Norway by Nordic Paddle Works for coastal touring.",
            "The Fjord 390 is a stable touring kayak for beginners, the Fjord 430 a fast sea kayak "
            "with a skeg, and the Fjord Duo a tandem for families.",
            "The kayaks are available from today in all Contoso Outdoor shops, online, and at Casa "
            "do Mar Outdoor in Lisbon, from EUR 1,290.",
        ],
    )
    draft = m.send(
        EMMA,
        [SOFIA, MARIA],
        "Fjord launch – press release draft",
        """
Hi Sofia, hi Maria,

attached is the draft press release for the kayak launch. Sofia, could you check the Lisbon
paragraph? Maria, I'd like to add a quote from you.""",
        at("2025-11-27", "14:22"),
        files=[release],
        categories=["Fjord launch"],
    )
    m.reply(
        draft,
        MARIA,
        """
Quote: "With the Fjord line we bring Norwegian kayak craftsmanship to the coasts of Europe –
from the Baltic to the Atlantic." Otherwise looks great.""",
        at("2025-11-28", "08:05"),
    )
    for week, (day, status) in enumerate(
        [
            (
                "2025-10-10",
                "Photo shoot booked for 20 October; call sheet done. Pre-order page in "
                "design. Demo fleet: 12 kayaks reserved from batch 1.",
            ),
            (
                "2025-10-31",
                "Photos delivered (42 images, key visual: Fjord 430 at sunrise). "
                "Pre-order page ready for review. Lisbon event: waiting for Sofia's trip.",
            ),
            (
                "2025-11-28",
                "Lisbon event confirmed for 21 March with Casa do Mar (80 guests, paddle "
                "tour on the Tagus). Press release in review. Pre-orders open on 1 December.",
            ),
            (
                "2025-12-12",
                "Pre-orders: 87 kayaks in the first 11 days (Fjord 430 leads with 41). "
                "Online campaign live. Batch 1 ships on 12 January.",
            ),
            (
                "2026-01-16",
                "Batch 1 arrived in Hamburg (200 kayaks), quality check passed. Demo "
                "fleet ready. Launch event invitations go out next week.",
            ),
        ],
        start=1,
    ):
        m.send(
            EMMA,
            team + [EMMA],
            f"Fjord launch – status update #{week}",
            f"Hi all,\n\nstatus of the Fjord kayak launch:\n\n{status}\n\nNext update in two "
            "weeks.",
            at(day, "16:00"),
            categories=["Fjord launch"],
            html=True,
        )
    review = _launch_review_invite()
    m.send(
        EMMA,
        team,
        "Invitation: Fjord launch review",
        """
Let's review the launch readiness together: shops, online, Lisbon event, stock.
Teams link in the invitation.""",
        at("2026-01-19", "09:15"),
        calendar=review,
    )


def _launch_review_invite() -> str:
    attendees = "".join(
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN={p.name}:mailto:{p.address}\r\n"
        for p in (MARIA, SOFIA, JOAO, LUCAS)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Contoso Outdoor//Demo//EN\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:fjord-launch-review@contoso.example\r\n"
        "DTSTAMP:20260119T081500Z\r\nDTSTART;TZID=Europe/Berlin:20260203T140000\r\n"
        "DTEND;TZID=Europe/Berlin:20260203T153000\r\nSUMMARY:Fjord launch review\r\n"
        f"ORGANIZER;CN=Emma Lind:mailto:{EMMA.address}\r\n{attendees}"
        "LOCATION:Meeting room Elbe\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def lisbon_trip(m: Mailroom) -> None:
    """Sofia and Maria visit the partner store Casa do Mar and the Lisbon Outdoor Expo."""
    m.file(SOFIA.address, "Lisbon", "Trips/Lisbon 2025")
    invite = m.send(
        RUI,
        [SOFIA],
        "Visit to Lisbon in November?",
        """
Olá Sofia,

The Lisbon Outdoor Expo takes place from 18 to 20 November at FIL, Parque das Nações. It would
be a great moment to visit Casa do Mar, meet our team and talk about the Fjord kayaks for next
season. We would also like to discuss a launch event here in Lisbon.

Um abraço,""",
        at("2025-10-02", "12:31"),
    )
    ask = m.send(
        SOFIA,
        [MARIA],
        "Trip to Lisbon 17–20 November",
        """
Hi Maria,

Rui Almeida invited us to Lisbon for the Outdoor Expo (18–20 Nov) and a visit to Casa do Mar.
Proposal: fly on Monday 17 November, expo and store visit on 18/19, back on Thursday 20th.
Estimated cost for both of us: EUR 2,300 (flights, 3 nights, expo tickets).
Shall I book?""",
        at("2025-10-02", "15:45"),
        references=[invite.message_id],
    )
    m.reply(
        ask,
        MARIA,
        "Yes please – book for both of us. Hotel close to the river would be nice.",
        at("2025-10-03", "08:20"),
    )
    m.reply(
        invite,
        SOFIA,
        """
Olá Rui,

thank you for the invitation – Maria and I will come! We arrive on Monday 17 November in the
afternoon. Could we visit the store on Tuesday morning and the expo on Wednesday?""",
        at("2025-10-03", "09:12"),
    )
    m.send(
        AIRLINE,
        [SOFIA],
        "Booking confirmation HAM–LIS – reference K7Q2XZ",
        """
Your booking is confirmed.

Booking reference: K7Q2XZ
Passengers: Sofia Costa, Maria Santos

Outbound: SW 1184 Hamburg (HAM) 12:25 → Lisbon (LIS) 15:20, Monday 17 November 2025
Return:   SW 1187 Lisbon (LIS) 16:05 → Hamburg (HAM) 20:45, Thursday 20 November 2025

Total paid: EUR 742.60""",
        at("2025-10-03", "10:02"),
    )
    m.send(
        HOTEL,
        [SOFIA],
        "Your reservation at Hotel Alfama Rio, Lisbon",
        """
Dear Ms Costa,

We are pleased to confirm your reservation:
2 single rooms, river view, 17–20 November 2025 (3 nights), breakfast included.
Rate: EUR 165 per room and night. Check-in from 14:00.

We look forward to welcoming you in Lisbon.""",
        at("2025-10-03", "10:40"),
    )
    agenda = text(
        "Lisbon-agenda.txt",
        """Lisbon trip 17-20 November 2025 - Sofia Costa, Maria Santos

Mon 17 Nov  15:20 arrival LIS, check-in Hotel Alfama Rio
Tue 18 Nov  10:00 Casa do Mar Outdoor, Rua da Boavista 88: store visit, sales figures
            13:00 lunch with Rui Almeida
            15:00 planning: Fjord kayak launch event Lisbon (21 March 2026)
Wed 19 Nov  09:30 Lisbon Outdoor Expo, FIL - meetings with Nordic Paddle Works (stand B12)
            20:00 dinner in Alfama
Thu 20 Nov  10:00 wrap-up with Rui, 16:05 flight back to Hamburg
""",
    )
    m.send(
        SOFIA,
        [RUI],
        "Agenda for our Lisbon visit",
        """
Olá Rui,

attached is our agenda for the Lisbon visit. Please let me know if the times work for you.""",
        at("2025-11-05", "11:30"),
        cc=[MARIA],
        files=[agenda],
    )
    notes = text(
        "Lisbon-trip-notes.txt",
        """Lisbon trip - notes (18-19 November 2025)

Casa do Mar Outdoor
- 2025 sales with us: EUR 184,000 (+22%); best sellers: rain jackets, dry bags, tents
- Order for the Fjord line: 60 kayaks (30 x Fjord 390, 20 x Fjord 430, 10 x Fjord Duo),
  delivery with batch 2 in February
- Launch event Lisbon: Saturday 21 March 2026, 80 guests, paddle tour on the Tagus,
  Casa do Mar covers the venue, we cover demo kayaks and drinks

Lisbon Outdoor Expo
- Met Ingrid Haugen (Nordic Paddle Works): batch plan confirmed
- Interesting new suppliers: two Portuguese backpack makers (samples requested)

Next steps
- Sofia: contract addendum for Casa do Mar (delivery, co-marketing), by 5 December
- Emma: add the Lisbon event to the launch plan
- Lucas: credit limit for Casa do Mar up to EUR 80,000
""",
    )
    report = m.send(
        SOFIA,
        [MARIA, EMMA],
        "Lisbon trip – notes and next steps",
        """
Hi Maria, hi Emma,

notes from our Lisbon trip are attached. Highlights: Casa do Mar orders 60 Fjord kayaks, and
the Lisbon launch event is confirmed for 21 March 2026 (80 guests, paddle tour on the Tagus).""",
        at("2025-11-21", "10:05"),
        cc=[LUCAS],
        files=[notes],
    )
    m.reply(
        report,
        EMMA,
        "Fantastic news! I've added the Lisbon event to the launch plan.",
        at("2025-11-21", "11:40"),
    )
    expenses = table(
        "Lisbon-expenses-Sofia-Costa.csv",
        [
            ["date", "item", "amount_eur", "paid_by"],
            ["2025-10-03", "Flights HAM-LIS-HAM (2 passengers)", "742.60", "company card"],
            ["2025-11-20", "Hotel Alfama Rio, 2 rooms x 3 nights", "990.00", "company card"],
            ["2025-11-19", "Lisbon Outdoor Expo tickets (2)", "48.00", "Sofia Costa"],
            ["2025-11-19", "Dinner with Casa do Mar team (6 persons)", "214.50", "Sofia Costa"],
            ["2025-11-17", "Taxi airport - hotel", "23.40", "Sofia Costa"],
        ],
    )
    claim = m.send(
        SOFIA,
        [LUCAS],
        "Lisbon trip expenses",
        """
Hi Lucas,

attached are my expenses for the Lisbon trip. EUR 285.90 were paid privately (expo tickets,
dinner with the Casa do Mar team, taxi) – could you reimburse them with the November payroll?""",
        at("2025-11-24", "09:20"),
        files=[expenses],
    )
    m.reply(
        claim,
        LUCAS,
        "Approved – EUR 285.90 will be paid with the November payroll.",
        at("2025-11-25", "14:12"),
    )


def invoices(m: Mailroom) -> None:
    """Lucas receives supplier invoices, sends customer invoices, and chases payments."""
    m.file(LUCAS.address, "Invoice", "Invoices")
    for number, (day, amount, items) in enumerate(
        [
            ("2025-09-30", "18,420.00", "120 x Trail 35 backpack, 80 x Trail 50 backpack"),
            ("2025-10-31", "11,960.00", "60 x Summit 65 backpack, 100 x dry bag 20 l"),
            ("2025-11-28", "23,115.00", "150 x Trail 35 backpack, 90 x hip belt pouch"),
            ("2025-12-31", "7,480.00", "40 x Summit 65 backpack, 60 x rain cover"),
        ],
        start=41,
    ):
        invoice = sheet(
            f"Invoice-ST-2025-{number:04d}.xlsx",
            [
                ["Serra Trail Supply S.L.", "", f"Invoice ST-2025-{number:04d}"],
                ["Customer", "Contoso Outdoor GmbH, Hamburg"],
                ["Date", day],
                ["Items", items],
                ["Total EUR", amount],
                ["Due", "30 days net"],
            ],
        )
        bill = m.send(
            PEDRO,
            [LUCAS],
            f"Invoice ST-2025-{number:04d} from Serra Trail Supply",
            f"""
Dear Mr Meyer,

please find attached our invoice ST-2025-{number:04d} dated {day} for {items}.
Amount due: EUR {amount}, payable within 30 days to our account at Banco Ejemplo.""",
            at(day, "18:30"),
            files=[invoice],
        )
        if number == 43:
            check = m.reply(
                bill,
                LUCAS,
                """
Dear Pedro,

the invoice lists 90 hip belt pouches, but we only received 60 (delivery note 8812). Could you
send a credit note for the 30 missing pouches (EUR 645.00)?""",
                at("2025-12-02", "10:10"),
            )
            m.reply(
                check,
                PEDRO,
                """
Dear Mr Meyer,

you are right, sorry for the mistake. Credit note CN-2025-0007 over EUR 645.00 is attached.""",
                at("2025-12-03", "12:45"),
                files=[
                    table(
                        "Credit-note-CN-2025-0007.csv",
                        [
                            ["credit_note", "invoice", "item", "qty", "amount_eur"],
                            ["CN-2025-0007", "ST-2025-0043", "hip belt pouch", 30, "645.00"],
                        ],
                    )
                ],
            )
    npw = m.send(
        INGRID,
        [LUCAS],
        "Invoice NPW-26-0012 – Fjord batch 1",
        """
Dear Mr Meyer,

attached is our invoice NPW-26-0012 for batch 1 of the Fjord kayak series (200 kayaks),
EUR 132,676.40 after 8.5% volume discount, payable within 60 days. Freight for batch 1 is free
as agreed.""",
        at("2026-01-15", "09:00"),
        cc=[JOAO],
        files=[
            sheet(
                "Invoice-NPW-26-0012.xlsx",
                [
                    ["Nordic Paddle Works AS", "", "Invoice NPW-26-0012"],
                    ["model", "qty", "list_price_eur", "discount", "amount_eur"],
                    ["Fjord 390", 120, 612.00, "8.5%", 67197.60],
                    ["Fjord 430", 60, 798.00, "8.5%", 43811.40],
                    ["Fjord Duo", 20, 941.00, "8.5%", 17220.30],
                    ["Freight", 1, 0, "", 0],
                    ["Total (after rounding, incl. packaging)", "", "", "", 132676.40],
                ],
            )
        ],
    )
    approve = m.send(
        LUCAS,
        [JOAO],
        "Invoice NPW-26-0012 – please approve",
        """
Hi João,

the invoice for Fjord batch 1 has arrived: EUR 132,676.40, due on 16 March. Goods receipt
was booked on 15 January. Can you approve it so that I can schedule the payment?""",
        at("2026-01-16", "11:00"),
        references=[npw.message_id],
        importance="high",
    )
    m.reply(
        approve,
        JOAO,
        "Approved – quantities and prices match the contract.",
        at("2026-01-16", "13:25"),
    )
    ours = m.send(
        LUCAS,
        [RUI],
        "Invoice CO-2025-1187 – Contoso Outdoor",
        """
Dear Rui,

please find attached our invoice CO-2025-1187 for the autumn order (rain jackets, dry bags,
tents): EUR 38,540.00, due on 14 November 2025.""",
        at("2025-10-15", "10:00"),
        files=[
            sheet(
                "Invoice-CO-2025-1187.xlsx",
                [
                    ["Contoso Outdoor GmbH", "", "Invoice CO-2025-1187"],
                    ["item", "qty", "unit_eur", "amount_eur"],
                    ["Storm rain jacket", 120, 89.00, 10680.00],
                    ["Dry bag 20 l", 300, 14.50, 4350.00],
                    ["Two-person tent Ridge 2", 110, 213.73, 23510.00],
                    ["Total", "", "", 38540.00],
                ],
            )
        ],
    )
    reminder = m.send(
        LUCAS,
        [RUI],
        "Payment reminder: invoice CO-2025-1187",
        """
Dear Rui,

according to our records invoice CO-2025-1187 over EUR 38,540.00 (due 14 November) is still
open. Could you please check? If it has been paid in the meantime, please ignore this
reminder.""",
        at("2025-11-26", "09:30"),
        references=[ours.message_id],
        importance="high",
    )
    paid = m.reply(
        reminder,
        RUI,
        """
Dear Lucas,

apologies – the payment was delayed by our bank change. It was sent today and should arrive
by Friday.""",
        at("2025-11-27", "16:20"),
    )
    m.reply(
        paid,
        LUCAS,
        "Thank you Rui, the payment has arrived. All settled.",
        at("2025-12-01", "09:05"),
    )


def management_meetings(m: Mailroom) -> None:
    """Maria's weekly meeting notes to the management team."""
    m.file(JOAO.address, "Management meeting notes", "Meetings")
    topics = [
        (
            "38",
            "2025-09-15",
            "Fjord line: supplier negotiation with Nordic Paddle Works in "
            "progress (target 600 units). Autumn collection in shops. Hamburg shop renovation "
            "starts 6 October.",
        ),
        (
            "40",
            "2025-09-29",
            "Supply contract signed (8.5%, 60 days). Launch budget EUR 45,000 "
            "approved. Online sales September +14% vs last year.",
        ),
        (
            "42",
            "2025-10-13",
            "Photo shoot on 20 October. Sofia and Maria travel to Lisbon "
            "17-20 November. Q3 closing: revenue EUR 2.41 m, margin 41.7%.",
        ),
        (
            "45",
            "2025-11-03",
            "Winter campaign live. Inventory count on 29 December. Casa do Mar "
            "invoice CO-2025-1187 overdue - Lucas follows up.",
        ),
        (
            "48",
            "2025-11-24",
            "Lisbon trip: Casa do Mar orders 60 kayaks, launch event Lisbon on "
            "21 March. Pre-orders open 1 December.",
        ),
        (
            "50",
            "2025-12-08",
            "Pre-orders: 62 kayaks in one week. Christmas opening hours. "
            "Office closed 24 December to 1 January.",
        ),
        (
            "03",
            "2026-01-12",
            "Batch 1 ships today, arrival 15 January. Budget 2026 approved. "
            "Launch review on 3 February.",
        ),
        (
            "05",
            "2026-01-26",
            "Launch invitations sent (Hamburg 14 March, Lisbon 21 March). "
            "Serra Trail: new backpack range for spring.",
        ),
    ]
    for week, day, summary in topics:
        notes = text(
            f"Management-meeting-week-{week}.txt",
            f"Management meeting, week {week} ({day})\nPresent: Maria Santos, João "
            f"Ferreira, Emma Lind, Lucas Meyer, Sofia Costa\n\n{summary}\n",
        )
        m.send(
            MARIA,
            [JOAO, EMMA, LUCAS, SOFIA],
            f"Management meeting notes – week {week}",
            f"Hi all,\n\nnotes from today's management meeting:\n\n{summary}",
            at(day, "11:30"),
            files=[notes] if week in ("40", "48", "03") else [],
        )


CUSTOMERS = [
    Person("Anna Becker", "anna.becker@mail.example"),
    Person("Jonas Weber", "j.weber@post.example"),
    Person("Lea Schulz", "lea.schulz@mail.example"),
    Person("Mats Olsen", "mats.olsen@post.example"),
    Person("Clara Nunes", "clara.nunes@mail.example"),
    Person("Felix Wagner", "felix.w@post.example"),
    Person("Ida Hansen", "ida.hansen@mail.example"),
    Person("Paul Richter", "p.richter@mail.example"),
    Person("Marta Silva", "marta.silva@post.example"),
    Person("Noah Krüger", "noah.k@mail.example"),
    Person("Lina Vogel", "lina.vogel@post.example"),
    Person("Ole Petersen", "ole.p@mail.example"),
]
PRODUCTS = [
    "Ridge 2 tent",
    "Storm rain jacket",
    "Trail 35 backpack",
    "Summit 65 backpack",
    "dry bag 20 l",
    "Polar sleeping bag",
    "Fjord 390 kayak",
    "Fjord 430 kayak",
    "Carbon paddle 220",
    "trekking poles",
]
CASES = [
    (
        "Order {order}: when will it arrive?",
        "Hello,\n\nI ordered a {product} on {ordered} (order {order}) and have not received a "
        "shipping confirmation yet. Can you tell me when it will arrive?\n\nThanks,\n{first}",
        "Hello {first},\n\nthank you for your patience. Your {product} left our Hamburg warehouse "
        "today; the tracking number is DHL {tracking}. Delivery usually takes 1–2 working days.",
    ),
    (
        "Return request for order {order}",
        "Hi,\n\nthe {product} from order {order} does not fit. I would like to return it and get "
        "a refund.\n\nBest,\n{first}",
        "Hello {first},\n\nno problem – you can return the {product} within 30 days. Please use "
        "the return label we just emailed and drop the parcel at any DHL point. The refund follows "
        "within 5 working days after we receive it.",
    ),
    (
        "Question about the {product}",
        "Hello Contoso team,\n\nbefore I buy: is the {product} suitable for a week-long trip in "
        "Norway in September? And is there a warranty?\n\nRegards,\n{first}",
        "Hello {first},\n\nyes, the {product} is made for exactly that kind of trip. All our "
        "products come with a 3-year warranty; our Hamburg shop also offers a free fitting.",
    ),
    (
        "Damaged {product} – order {order}",
        "Hi,\n\nmy {product} (order {order}) arrived damaged – the packaging was torn and one part "
        "is broken. Photos attached in my next mail if needed.\n\n{first}",
        "Hello {first},\n\nwe are very sorry. A replacement {product} is on its way (tracking DHL "
        "{tracking}); you can keep or dispose of the damaged one.",
    ),
]


def support_mailbox(m: Mailroom) -> None:
    """Customers write to the shared support mailbox; the team answers from it."""
    rnd = _Random(2025)
    day = datetime(2025, 9, 1, 8, 0, tzinfo=HAMBURG)
    for case in range(44):
        customer = CUSTOMERS[case % len(CUSTOMERS)]
        subject_t, ask_t, answer_t = CASES[rnd.pick(len(CASES))]
        values = {
            "order": f"CO-{104210 + case * 17}",
            "product": PRODUCTS[rnd.pick(len(PRODUCTS))],
            "ordered": (day - timedelta(days=4)).strftime("%d %B"),
            "tracking": f"00340434{rnd.pick(10**8):08d}",
            "first": customer.first,
        }
        question = m.send(
            customer,
            [SUPPORT],
            subject_t.format(**values),
            ask_t.format(**values),
            day + timedelta(minutes=rnd.pick(600)),
        )
        if case % 5 != 4:  # most cases are answered, some are still open
            m.reply(
                question,
                SUPPORT,
                answer_t.format(**values),
                question.when + timedelta(hours=2 + rnd.pick(20)),
            )
        if case % 11 == 3:
            m.reply(
                question,
                SUPPORT,
                "Sofia, this customer asks about a larger order for "
                "their paddling club – could you get in touch?",
                question.when + timedelta(hours=3),
                to=[SOFIA],
                prefix="FW: ",
            )
        day += timedelta(days=3)
    for number in range(16):
        customer = CUSTOMERS[(number * 5) % len(CUSTOMERS)]
        model = ["Fjord 390", "Fjord 430", "Fjord Duo"][number % 3]
        m.send(
            SUPPORT,
            [customer],
            f"Pre-order confirmation CO-{105400 + number} – {model} kayak",
            f"Hello {customer.first},\n\nthank you for pre-ordering the {model} kayak! It will "
            "be ready for collection or delivery from 14 March 2026, the launch day of our "
            "Fjord kayak line. We will charge your card only when it ships.",
            at("2025-12-01", "10:00") + timedelta(days=number // 2, minutes=number * 37),
        )


class _Random:
    """A tiny deterministic generator (a linear congruential one), independent of Python's
    random module so that the demo never changes with the interpreter version."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def pick(self, count: int) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % count


def history(m: Mailroom) -> None:
    """Spring 2025, before Tom left: archived now, and still in Tom's disabled mailbox."""
    count = m.send(
        TOM,
        [JOAO, MARIA],
        "Inventory count 2025 – results",
        """
Hi João, hi Maria,

the inventory count is done: 14,212 items counted, difference to the books -0.4% (mostly dry
bags and headlamps). Details in the attached list.""",
        at("2025-03-31", "17:05"),
        files=[
            table(
                "Inventory-count-2025-differences.csv",
                [
                    ["sku", "item", "books", "counted", "difference"],
                    ["CO-DB20", "dry bag 20 l", 820, 791, -29],
                    ["CO-HL300", "headlamp 300 lm", 410, 388, -22],
                    ["CO-RJ-M", "Storm rain jacket M", 260, 262, 2],
                ],
            )
        ],
    )
    m.reply(
        count,
        JOAO,
        "Thanks Tom – good result. Let's reorder dry bags from Serra Trail.",
        at("2025-04-01", "09:12"),
    )
    catalogue = m.send(
        EMMA,
        [MARIA, JOAO, LUCAS, SOFIA, TOM],
        "Summer catalogue 2025",
        """
Hi all,

the summer catalogue 2025 goes to print on Friday: 64 pages, new tents and the Storm rain
jacket on the cover. Last chance for corrections!""",
        at("2025-04-14", "10:00"),
    )
    m.reply(
        catalogue,
        TOM,
        "Page 23: the Ridge 2 tent weighs 2.1 kg, not 1.2 kg.",
        at("2025-04-14", "13:40"),
        to=[EMMA],
        cc=[],
    )
    farewell = m.send(
        MARIA,
        [JOAO, EMMA, LUCAS, SOFIA, TOM],
        "Farewell for Tom on 27 June",
        """
Dear all,

after eight years as our warehouse lead, Tom is leaving us at the end of June to start his own
kayak school on the Baltic coast. Let's say goodbye together on Friday 27 June at 16:00 in the
warehouse – drinks and snacks provided.""",
        at("2025-06-16", "12:00"),
    )
    m.reply(
        farewell,
        TOM,
        "Thank you all – it has been a great time. Come paddling with me!",
        at("2025-06-27", "18:30"),
        to=[MARIA, JOAO, EMMA, LUCAS, SOFIA],
        cc=[],
    )
    m.send(
        TOM,
        [JOAO],
        "Warehouse handover",
        """
Hi João,

for the handover: keys are with reception, the forklift service is due in August, and the
supplier contacts are in the shared contacts. The kayak racks in hall 2 are ready for the
new Fjord line.""",
        at("2025-06-26", "15:00"),
    )


def office_mail(m: Mailroom) -> None:
    """Announcements, newsletters, a draft, something deleted, and junk."""
    m.send(
        IT_DESK,
        STAFF,
        "New VPN client from 1 October",
        """
Dear colleagues,

from 1 October we switch to a new VPN client. It will be installed automatically on your
laptop this week; after the restart please sign in once with your usual password.""",
        at("2025-09-25", "08:00"),
    )
    m.send(
        IT_DESK,
        STAFF,
        "Phishing warning: fake invoice emails",
        """
Dear colleagues,

we currently see fake emails with the subject "Invoice overdue" and an HTML attachment. Do not
open the attachment – move the message to Junk Email and tell IT.""",
        at("2025-11-10", "08:30"),
        importance="high",
    )
    m.send(
        MARIA,
        STAFF,
        "Office closed 24 December – 1 January",
        """
Dear all,

our office and warehouse are closed from 24 December to 1 January; the shops follow the
Christmas opening hours. Thank you for a great year – and a special thanks for the Fjord
launch preparation!""",
        at("2025-12-15", "10:00"),
    )
    m.send(
        Person("Paddle World", "newsletter@paddleworld.example"),
        [JOAO, EMMA],
        "Paddle World newsletter – November",
        "This month: winter storage for your kayak, "
        "the ten best coastal routes in Portugal, and a test of five touring paddles.",
        at("2025-11-04", "06:00"),
        folder="deleteditems",
    )
    spam = [
        (
            Person("Prize Desk", "prize-desk@lucky-winner.example"),
            "You have won an iPhone!!!",
            "Congratulations! You are our lucky winner. Click here to claim your prize today.",
        ),
        (
            Person("Mail Admin", "admin@mailbox-verify.example"),
            "Your mailbox is full – verify now",
            "Your mailbox has exceeded its limit. Verify your password within 24 hours or lose "
            "your mail.",
        ),
        (
            Person("Accounts", "billing@invoice-overdue.example"),
            "Invoice overdue – open attached",
            "Your invoice is overdue. Open the attached document to avoid legal steps.",
        ),
        (
            Person("Luxury Outlet", "deals@cheap-watches.example"),
            "Luxury watches 90% off",
            "Best replica watches, free shipping worldwide.",
        ),
        (
            Person("Crypto Gains", "win@crypto-gains.example"),
            "Make EUR 5,000 a week from home",
            "Our crypto robot trades for you. Join now and double your money.",
        ),
    ]
    for number, (sender, subject, body) in enumerate(spam):
        victims = [STAFF[number % len(STAFF)], STAFF[(number + 2) % len(STAFF)], SUPPORT]
        files = (
            [File("invoice.html", "text/html", b"<html><body>Invoice</body></html>")]
            if ("Invoice" in subject)
            else []
        )
        m.send(
            sender,
            victims,
            subject,
            body,
            at("2025-10-06", "03:14") + timedelta(days=number * 9),
            files=files,
            folder="junkemail",
        )
    draft = Mail(
        sender=EMMA,
        to=[SOFIA],
        cc=[],
        subject="Fjord launch event Hamburg – guest list",
        body="Hi Sofia,\n\nfirst ideas for the guest list: press (4), paddling clubs "
        "(12), best customers (30), Nordic Paddle Works (3)...\n",
        when=at("2026-01-28", "17:45"),
        message_id="<demo.draft.0001@contoso.example>",
    )
    m.place(EMMA, "drafts", draft)


# --- contacts --------------------------------------------------------------------------------


def vcard(
    uid: str,
    person: Person,
    company: str = "",
    address: str = "",
    note: str = "",
    version: str = "3.0",
) -> str:
    first, _, last = person.name.partition(" ")
    lines = [
        "BEGIN:VCARD",
        f"VERSION:{version}",
        f"UID:{uid}",
        f"FN:{person.name}",
        f"N:{last};{first};;;",
        f"EMAIL;TYPE=work:{person.address}",
    ]
    if company:
        lines.append(f"ORG:{company}")
    if person.title:
        lines.append(f"TITLE:{person.title.split(',')[0]}")
    if person.phone:
        lines.append(f"TEL;TYPE=work,voice:{person.phone}")
    if address:
        lines.append(f"ADR;TYPE=work:{address}")
    if note:
        lines.append(f"NOTE:{note}")
    lines += ["REV:2025-10-01T08:00:00Z", "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"


BEATRIZ = Person(
    "Beatriz Sousa", "beatriz.sousa@casadomar.example", "Store Manager", "+351 21 555 0143"
)
LARS = Person("Lars Nyberg", "lars.nyberg@balticboats.example", "Key Account Manager")
HENRIK = Person("Henrik Vogt", "h.vogt@vogt-tax.example", "Tax Advisor", "+49 40 5557 300")
BANK = Person("Nina Hartmann", "nina.hartmann@hanseatic-bank.example", "Relationship Manager")


def contacts() -> dict[str, dict[str, str]]:
    """mailbox -> {file path: vCard text}."""
    ingrid = vcard(
        "c0ffee01-0000-4000-8000-000000000001",
        INGRID,
        "Nordic Paddle Works AS",
        ";;Bryggen 14;Bergen;;5003;Norway",
        "Kayak supplier (Fjord series).",
    )
    pedro = vcard(
        "c0ffee01-0000-4000-8000-000000000002",
        PEDRO,
        "Serra Trail Supply S.L.",
        ";;Calle del Prado 21;Madrid;;28014;Spain",
    )
    rui = vcard(
        "c0ffee01-0000-4000-8000-000000000003",
        RUI,
        "Casa do Mar Outdoor",
        ";;Rua da Boavista 88;Lisboa;;1200-066;Portugal",
        "Partner store in Lisbon.",
    )
    beatriz = vcard("c0ffee01-0000-4000-8000-000000000004", BEATRIZ, "Casa do Mar Outdoor")
    suppliers_group = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nUID:urn:uuid:c0ffee01-0000-4000-8000-0000000000a1"
        "\r\nFN:Suppliers\r\nMEMBER:urn:uuid:c0ffee01-0000-4000-8000-000000000001\r\n"
        "MEMBER:urn:uuid:c0ffee01-0000-4000-8000-000000000002\r\n"
        f"MEMBER:mailto:{LARS.address}\r\nNOTE:Everyone we buy from.\r\nEND:VCARD\r\n"
    )
    casa_group = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nFN:Casa do Mar team\r\n"
        "UID:c0ffee01-0000-4000-8000-0000000000a2\r\n"
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:c0ffee01-0000-4000-8000-000000000003\r\n"
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:c0ffee01-0000-4000-8000-000000000004\r\nEND:VCARD\r\n"
    )
    return {
        JOAO.address: {
            "contacts/ingrid-haugen.vcf": ingrid,
            "contacts/pedro-lopes.vcf": pedro,
            "contacts/lars-nyberg.vcf": vcard(
                "c0ffee01-0000-4000-8000-000000000005", LARS, "Baltic Boats"
            ),
            "contacts/suppliers-group.vcf": suppliers_group,
        },
        SOFIA.address: {
            "contacts/casa-do-mar.vcf": rui + beatriz + casa_group,
            "contacts/hotel-alfama-rio.vcf": vcard(
                "c0ffee01-0000-4000-8000-000000000006",
                HOTEL,
                "Hotel Alfama Rio",
                ";;Rua dos Remédios 41;Lisboa;;1100-441;Portugal",
            ),
        },
        EMMA.address: {
            "contacts/kim-nakamura.vcf": vcard(
                "c0ffee01-0000-4000-8000-000000000007", KIM, "Northlight Studio", version="4.0"
            ),
            "contacts/ingrid-haugen.vcf": ingrid,
        },
        MARIA.address: {
            "contacts/rui-almeida.vcf": rui,
            "contacts/ingrid-haugen.vcf": ingrid,
            "contacts/henrik-vogt.vcf": vcard(
                "c0ffee01-0000-4000-8000-000000000008", HENRIK, "Vogt Steuerberatung"
            ),
        },
        LUCAS.address: {
            "contacts/pedro-lopes.vcf": pedro,
            "contacts/nina-hartmann.vcf": vcard(
                "c0ffee01-0000-4000-8000-000000000009", BANK, "Hanseatic Example Bank"
            ),
        },
    }


# --- calendars and tasks ---------------------------------------------------------------------

OUTLOOK_BERLIN = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def calendar(*components: str, timezone: str = "") -> str:
    body = timezone + "".join(components)
    text_ = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Contoso Outdoor//Demo tenant//EN\n"
        f"{body}END:VCALENDAR\n"
    )
    return text_.replace("\n", "\r\n")


def vevent(
    uid: str,
    summary: str,
    start: str,
    end: str,
    *extra: str,
    description: str = "",
    location: str = "",
) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}@contoso.example",
        "DTSTAMP:20251001T080000Z",
        start,
        end,
        f"SUMMARY:{summary}",
    ]
    if location:
        lines.append(f"LOCATION:{location.replace(',', chr(92) + ',')}")
    if description:
        lines.append(f"DESCRIPTION:{description.replace(',', chr(92) + ',')}")
    return "\n".join([*lines, *extra, "END:VEVENT"]) + "\n"


def attendees(*people: Person) -> list[str]:
    return [
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={p.name}:mailto:{p.address}"
        for p in people
    ]


def organizer(person: Person) -> str:
    return f"ORGANIZER;CN={person.name}:mailto:{person.address}"


def _attach(name: str, content: str) -> str:
    data = base64.b64encode(content.encode("utf-8")).decode("ascii")
    return f"ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME={name}:{data}"


def lisbon_events(owner: Person) -> str:
    return (
        calendar(
            vevent(
                "lisbon-trip-2025",
                "Trip to Lisbon",
                "DTSTART;VALUE=DATE:20251117",
                "DTEND;VALUE=DATE:20251121",
                organizer(SOFIA),
                *attendees(MARIA),
                "TRANSP:TRANSPARENT",
                "CATEGORIES:Travel",
                description="Lisbon Outdoor Expo and visit to Casa do Mar Outdoor.",
            ),
            vevent(
                "lisbon-flight-out",
                "Flight SW 1184 Hamburg → Lisbon",
                "DTSTART;TZID=Europe/Berlin:20251117T122500",
                "DTEND;TZID=Europe/Lisbon:20251117T152000",
                "CATEGORIES:Travel",
                location="Hamburg Airport, Terminal 1",
                description="Booking reference K7Q2XZ.",
            ),
            vevent(
                "lisbon-casa-do-mar",
                "Visit Casa do Mar Outdoor",
                "DTSTART;TZID=Europe/Lisbon:20251118T100000",
                "DTEND;TZID=Europe/Lisbon:20251118T123000",
                organizer(RUI),
                *attendees(SOFIA, MARIA),
                location="Rua da Boavista 88, Lisboa",
                description="Store visit, sales figures, Fjord kayak order, Lisbon launch event.",
            ),
            vevent(
                "lisbon-expo",
                "Lisbon Outdoor Expo",
                "DTSTART;TZID=Europe/Lisbon:20251119T093000",
                "DTEND;TZID=Europe/Lisbon:20251119T170000",
                location="FIL, Parque das Nações",
                description="Meet Nordic Paddle Works at stand B12.",
            ),
            vevent(
                "lisbon-flight-back",
                "Flight SW 1187 Lisbon → Hamburg",
                "DTSTART;TZID=Europe/Lisbon:20251120T160500",
                "DTEND;TZID=Europe/Berlin:20251120T204500",
                "CATEGORIES:Travel",
                location="Lisbon Airport",
            ),
        )
        if owner in (SOFIA, MARIA)
        else ""
    )


def calendars() -> dict[str, dict[str, str]]:
    """mailbox -> {file path: iCalendar text}."""
    meeting = calendar(
        vevent(
            "management-meeting",
            "Management meeting",
            "DTSTART;TZID=W. Europe Standard Time:20250915T100000",
            "DTEND;TZID=W. Europe Standard Time:20250915T113000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T090000Z",
            "EXDATE;TZID=W. Europe Standard Time:20251222T100000,20251229T100000",
            organizer(MARIA),
            *attendees(JOAO, EMMA, LUCAS, SOFIA),
            location="Meeting room Elbe",
            description="Weekly management meeting.",
        ),
        vevent(
            "management-meeting",
            "Management meeting (moved: Lisbon trip)",
            "DTSTART;TZID=W. Europe Standard Time:20251121T100000",
            "DTEND;TZID=W. Europe Standard Time:20251121T113000",
            "RECURRENCE-ID;TZID=W. Europe Standard Time:20251117T100000",
            organizer(MARIA),
            *attendees(JOAO, EMMA, LUCAS, SOFIA),
            location="Meeting room Elbe",
        ),
        timezone=OUTLOOK_BERLIN,
    )
    launch_day = vevent(
        "fjord-launch-hamburg",
        "Fjord kayak launch – Hamburg",
        "DTSTART;VALUE=DATE:20260314",
        "DTEND;VALUE=DATE:20260315",
        "CATEGORIES:Fjord launch",
        location="Contoso Outdoor, Hafenstraße 12, Hamburg",
        description="Launch day of the Fjord kayak line in all shops.",
    )
    call_sheet = (
        "Call sheet 20 Oct - Lake Plön\n07:00 meet at the boat house\n07:30 sunrise "
        "shots (Fjord 430 on the jetty)\n10:00 lifestyle on the water\n14:00 studio "
        "shots on white\n"
    )
    return {
        MARIA.address: {
            "calendar/management-meeting.ics": meeting,
            "calendar/lisbon-trip.ics": lisbon_events(MARIA),
            "calendar/fjord-launch.ics": calendar(launch_day),
        },
        SOFIA.address: {
            "calendar/lisbon-trip.ics": lisbon_events(SOFIA),
            "calendar/management-meeting.ics": meeting,
            "calendar/lisbon-launch-event.ics": calendar(
                vevent(
                    "fjord-launch-lisbon",
                    "Fjord kayak launch event – Lisbon",
                    "DTSTART;TZID=Europe/Lisbon:20260321T150000",
                    "DTEND;TZID=Europe/Lisbon:20260321T200000",
                    organizer(SOFIA),
                    *attendees(RUI, EMMA, MARIA),
                    "CATEGORIES:Fjord launch",
                    location="Casa do Mar Outdoor, Lisboa",
                    description="80 guests, paddle tour on the Tagus, demo kayaks.",
                )
            ),
        },
        EMMA.address: {
            "calendar/photo-shoot.ics": calendar(
                vevent(
                    "fjord-photo-shoot",
                    "Fjord photo shoot at Lake Plön",
                    "DTSTART;VALUE=DATE:20251020",
                    "DTEND;VALUE=DATE:20251021",
                    organizer(EMMA),
                    "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Kim Nakamura:mailto:"
                    f"{KIM.address}",
                    _attach("call-sheet.txt", call_sheet),
                    "CATEGORIES:Fjord launch",
                    location="Lake Plön, boat house",
                    description="Product and lifestyle photos for the Fjord kayak line.",
                )
            ),
            "calendar/launch-review.ics": calendar(
                vevent(
                    "fjord-launch-review",
                    "Fjord launch review",
                    "DTSTART;TZID=Europe/Berlin:20260203T140000",
                    "DTEND;TZID=Europe/Berlin:20260203T153000",
                    organizer(EMMA),
                    *attendees(MARIA, SOFIA, JOAO, LUCAS),
                    "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.example/l/meetup-join/fjord-review",
                    location="Meeting room Elbe",
                )
            ),
            "calendar/Product Launches/milestones.ics": calendar(
                vevent(
                    "fjord-preorders",
                    "Fjord pre-orders open",
                    "DTSTART;VALUE=DATE:20251201",
                    "DTEND;VALUE=DATE:20251202",
                    "TRANSP:TRANSPARENT",
                    "ATTACH:https://intranet.contoso.example/fjord/preorder-page.pdf",
                ),
                launch_day,
                vevent(
                    "fjord-launch-lisbon-milestone",
                    "Fjord launch – Lisbon",
                    "DTSTART;VALUE=DATE:20260321",
                    "DTEND;VALUE=DATE:20260322",
                    "TRANSP:TRANSPARENT",
                    "CATEGORIES:Fjord launch",
                ),
            ),
        },
        JOAO.address: {
            "calendar/supplier-call.ics": calendar(
                vevent(
                    "npw-supplier-call",
                    "Supplier call: Nordic Paddle Works",
                    "DTSTART;TZID=Europe/Oslo:20251002T140000",
                    "DTEND;TZID=Europe/Oslo:20251002T143000",
                    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=12",
                    organizer(INGRID),
                    *attendees(JOAO),
                    description="Fortnightly call on batches and quality.",
                )
            ),
            "calendar/batch-1-arrival.ics": calendar(
                vevent(
                    "fjord-batch-1",
                    "Fjord batch 1 arrives (200 kayaks)",
                    "DTSTART;TZID=Europe/Berlin:20260115T070000",
                    "DTEND;TZID=Europe/Berlin:20260115T120000",
                    location="Warehouse hall 2, Hamburg",
                )
            ),
        },
        LUCAS.address: {
            "calendar/month-end-close.ics": calendar(
                vevent(
                    "month-end-close",
                    "Month-end close",
                    "DTSTART;TZID=Europe/Berlin:20250926T090000",
                    "DTEND;TZID=Europe/Berlin:20250926T120000",
                    "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
                    description="Close the books: invoices, payments, accruals.",
                )
            ),
            "calendar/budget-review.ics": calendar(
                vevent(
                    "budget-2026",
                    "Budget 2026 review",
                    "DTSTART;TZID=Europe/Berlin:20251210T130000",
                    "DTEND;TZID=Europe/Berlin:20251210T150000",
                    organizer(LUCAS),
                    *attendees(MARIA),
                )
            ),
        },
    }


def vtodo(uid: str, summary: str, status: str, *extra: str, description: str = "") -> str:
    lines = [
        "BEGIN:VTODO",
        f"UID:{uid}@contoso.example",
        "DTSTAMP:20251001T080000Z",
        f"SUMMARY:{summary}",
        f"STATUS:{status}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{description.replace(',', chr(92) + ',')}")
    return "\n".join([*lines, *extra, "END:VTODO"]) + "\n"


def tasks() -> dict[str, dict[str, str]]:
    done = "PERCENT-COMPLETE:100"
    return {
        JOAO.address: {
            "tasks/sign-contract.ics": calendar(
                vtodo(
                    "t-contract",
                    "Sign Nordic Paddle Works contract",
                    "COMPLETED",
                    "COMPLETED:20250923T081500Z",
                    done,
                    "PRIORITY:1",
                )
            ),
            "tasks/batch-1.ics": calendar(
                vtodo(
                    "t-batch1",
                    "Check Fjord batch 1 delivery",
                    "IN-PROCESS",
                    "DUE:20260116T160000Z",
                    "PERCENT-COMPLETE:50",
                    description="Count, quality check, damage report.",
                )
            ),
            "tasks/backpack-samples.ics": calendar(
                vtodo(
                    "t-samples",
                    "Request samples from Portuguese backpack makers",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20260213",
                    "PRIORITY:5",
                )
            ),
        },
        EMMA.address: {
            "tasks/launch.ics": calendar(
                vtodo(
                    "t-release",
                    "Write Fjord press release",
                    "COMPLETED",
                    "COMPLETED:20251127T140000Z",
                    done,
                ),
                vtodo(
                    "t-photos",
                    "Approve Fjord photos",
                    "COMPLETED",
                    "COMPLETED:20251025T081000Z",
                    done,
                ),
                vtodo(
                    "t-guests",
                    "Guest list for the Hamburg launch event",
                    "IN-PROCESS",
                    "DUE;VALUE=DATE:20260206",
                    "PERCENT-COMPLETE:40",
                    "PRIORITY:1",
                ),
                vtodo(
                    "t-paddles",
                    "Order carbon paddles for the demo fleet",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20260220",
                ),
            ),
        },
        LUCAS.address: {
            "tasks/approve-npw.ics": calendar(
                vtodo(
                    "t-npw",
                    "Get invoice NPW-26-0012 approved",
                    "COMPLETED",
                    "COMPLETED:20260116T122500Z",
                    done,
                    "PRIORITY:1",
                )
            ),
            "tasks/pay-npw.ics": calendar(
                vtodo(
                    "t-pay",
                    "Pay invoice NPW-26-0012 (EUR 132,676.40)",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20260316",
                    "PRIORITY:1",
                    _attach("payment-plan.txt", "NPW-26-0012: EUR 132,676.40 due 16 March 2026\n"),
                )
            ),
            "tasks/credit-limit.ics": calendar(
                vtodo(
                    "t-credit",
                    "Raise Casa do Mar credit limit to EUR 80,000",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20251205",
                    "PRIORITY:5",
                )
            ),
            "tasks/reminder.ics": calendar(
                vtodo(
                    "t-reminder",
                    "Send payment reminder for invoice CO-2025-1187",
                    "COMPLETED",
                    "COMPLETED:20251126T083000Z",
                    done,
                )
            ),
        },
        SOFIA.address: {
            "tasks/lisbon.ics": calendar(
                vtodo(
                    "t-hotel",
                    "Book hotel in Lisbon",
                    "COMPLETED",
                    "COMPLETED:20251003T094000Z",
                    done,
                ),
                vtodo(
                    "t-expenses",
                    "Submit Lisbon trip expenses",
                    "COMPLETED",
                    "COMPLETED:20251124T082000Z",
                    done,
                ),
                vtodo(
                    "t-addendum",
                    "Contract addendum for Casa do Mar",
                    "IN-PROCESS",
                    "DUE;VALUE=DATE:20251205",
                    "PERCENT-COMPLETE:70",
                    description="Delivery with batch 2, co-marketing for the launch.",
                ),
                vtodo(
                    "t-drinks",
                    "Lisbon launch event: order drinks",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20260306",
                ),
            ),
        },
        MARIA.address: {
            "tasks/management.ics": calendar(
                vtodo(
                    "t-budget",
                    "Review Fjord launch budget",
                    "COMPLETED",
                    "COMPLETED:20250925T071500Z",
                    done,
                ),
                vtodo(
                    "t-quote",
                    "Quote for the Fjord press release",
                    "COMPLETED",
                    "COMPLETED:20251128T070500Z",
                    done,
                ),
                vtodo(
                    "t-annual",
                    "Annual review with Nordic Paddle Works",
                    "NEEDS-ACTION",
                    "DUE;VALUE=DATE:20260430",
                    "PRIORITY:5",
                ),
            ),
        },
    }


# --- writing ---------------------------------------------------------------------------------


def _slug(subject: str) -> str:
    plain = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return "-".join(words)[:50].strip("-") or "message"


def mails() -> Mailroom:
    room = Mailroom()
    for story in (
        history,
        supplier_negotiation,
        kayak_launch,
        lisbon_trip,
        invoices,
        management_meetings,
        support_mailbox,
        office_mail,
    ):
        story(room)
    return room


def readme() -> str:
    people = "\n".join(f"| {p.name} | {p.address} | {p.title} |" for p in STAFF)
    return f"""# Contoso Outdoor – the demo tenant

An invented outdoor gear retailer in Hamburg (domain `{DOMAIN}`), written by
`outlook_emulator/demo_tenant_builder.py` – edit the builder, not these files,
and run `python -m outlook_emulator.demo_tenant_builder` to rewrite them.

| name | mailbox | role |
| --- | --- | --- |
{people}
| {TOM.name} | {TOM.address} | former {TOM.title} (account disabled) |
| {SUPPORT.name} | {SUPPORT.address} | shared mailbox |

What happens in the mail, calendars and tasks (September 2025 – January 2026,
older mail in the Archive folders):

- **Supplier negotiation**: João Ferreira agrees the 2026 supply of Fjord kayaks
  with Nordic Paddle Works (price list, counter offers, contract drafts).
- **Kayak launch**: Emma Lind runs the launch of the Fjord kayak line (launch
  plan, photo shoot, pricing, press release, status updates, a launch review
  invitation); her "Projects/Fjord Launch" folder and "Product Launches"
  calendar hold it.
- **Trip to Lisbon**: Sofia Costa and Maria Santos visit the partner store Casa
  do Mar and the Lisbon Outdoor Expo (flights, hotel, agenda, notes, expenses).
- **Invoices**: Lucas Meyer receives supplier invoices, asks for a credit note,
  gets an invoice approved and chases an overdue customer payment.
- **Support**: customers write to support@ about orders, returns and damaged
  goods; the team answers from the shared mailbox.
- Weekly management meeting notes, IT announcements, junk mail, a draft.

Searches worth trying: `kayak`, `invoice`, `Lisbon`, `Nordic Paddle`,
`credit note`, `press release`.

Sign-in (emulator only): client id `3f2b8c41-7d6e-4a59-b0c2-91e4d5f6a7b8`,
secret `demo-client-secret-change-me`; on-premises service account
`CONTOSO\\svc-search` / `Demo-Passw0rd!`.
"""


def build_demo_tenant(out: Path) -> int:
    """Writes the demo tenant into ``out`` (emptied first); returns the number of files."""
    if out.exists():
        shutil.rmtree(out)
    files: dict[str, bytes] = {
        "tenant.toml": tenant_toml().encode("utf-8"),
        "README.md": readme().encode("utf-8"),
    }
    for address, folder, mail in mails().deliveries():
        stem = f"mailboxes/{address}/{folder}/{mail.when:%Y%m%d-%H%M}-{_slug(mail.subject)}"
        name, number = f"{stem}.eml", 1
        while name in files:
            number += 1
            name = f"{stem}-{number}.eml"
        files[name] = mime(mail)
    for source in (contacts(), calendars(), tasks()):
        for address, entries in source.items():
            for path, content in entries.items():
                if content:
                    files[f"mailboxes/{address}/{path}"] = content.encode("utf-8")
    for relative, data in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return len(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEMO_TENANT,
        help="folder to write (default: the bundled demo_tenant folder)",
    )
    args = parser.parse_args(argv)
    count = build_demo_tenant(args.out)
    print(f"wrote {count} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
