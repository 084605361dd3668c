"""`outlook-emulator generate`: write a believable tenant folder of any size.

The same seed always gives the same files. Files are written straight from
string templates (no MIME or iCalendar library per item), so that 100,000
items take seconds, not minutes; attachments are built once and reused.
"""

from __future__ import annotations

import argparse
import base64
import io
import random
import sys
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

DOMAIN = "contoso.example"
START = datetime(2024, 1, 8, 8, 0, tzinfo=UTC)
SPAN = timedelta(days=365)

FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Nils",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xenia",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Almeida",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopes",
    "Moreau",
    "Novak",
    "Olsen",
    "Pereira",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Young",
    "Zimmer",
]
PRODUCTS = [
    "sea kayak",
    "touring kayak",
    "two-person tent",
    "trail backpack",
    "sleeping bag",
    "paddle set",
    "dry bag",
    "headlamp",
    "rain jacket",
    "hiking boots",
]
PLACES = ["Lisbon", "Porto", "Oslo", "Bergen", "Hamburg", "Lyon", "Valencia", "Gothenburg"]
PARTNERS = [
    "Nordic Paddle Works",
    "Atlantic Outfitters",
    "Fjord Textiles",
    "Serra Trail Supply",
    "Baltic Boats",
    "Alpine Fabric Co",
]
TOPICS = [
    (
        "Order {n}: {product}",
        "We would like to order {qty} units of the {product}. Please confirm the delivery date "
        "to our {place} warehouse and send the invoice to accounts payable.",
    ),
    (
        "Invoice {n} from {partner}",
        "Please find invoice {n} for the {product} shipment attached. Payment terms are 30 days; "
        "the amount due is EUR {amount}.",
    ),
    (
        "Trip to {place} next month",
        "I have booked the flights to {place}. The hotel is close to the trade fair; we meet "
        "{partner} on the second day to talk about the {product} range.",
    ),
    (
        "{product} launch plan",
        "The launch of the new {product} line is planned for week {week}. Marketing needs the "
        "photos by Friday, and the shops in {place} get the first {qty} units.",
    ),
    (
        "Meeting notes: {partner} negotiation",
        "Notes from today: {partner} offered {discount}% off on {qty} units of the {product} if we commit to "
        "two seasons. Next step: check the numbers with finance.",
    ),
    (
        "Stock check {place} store",
        "The {place} store reports {qty} units of the {product} in stock. We should move part of it before "
        "the season ends.",
    ),
]
REPLIES = [
    "Thanks, that works for me.",
    "Looks good. Let's go ahead.",
    "Can we discuss this on Monday?",
    "I have updated the numbers, see below.",
    "Agreed. I'll tell the team.",
    "Please check the attached version.",
]


# --- attachments, built once ---------------------------------------------------------------------


def tiny_docx(text: str) -> bytes:
    """A minimal valid Word document (the three parts WordprocessingML needs)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxml'
        'formats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/'
        'document.xml"/></Relationships>'
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxml'
        'formats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        f"{text}</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("word/document.xml", document),
        ):
            # A fixed timestamp: the same seed must give the same bytes at any time of day.
            package.writestr(
                zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


@dataclass(frozen=True)
class Part:
    """An attachment as a ready-made MIME part (base64 encoded once)."""

    name: str
    content_type: str
    encoded: str


def _part(name: str, content_type: str, data: bytes) -> Part:
    return Part(name, content_type, base64.encodebytes(data).decode("ascii"))


def attachment_parts() -> list[Part]:
    csv = "sku,product,qty,price\n" + "".join(
        f"CO-{100 + i},{p},{(i * 7) % 40 + 1},{49 + i * 20}.00\n" for i, p in enumerate(PRODUCTS)
    )
    html = (
        "<html><body><h1>Stock report</h1><ul>"
        + "".join(f"<li>{p}: in stock</li>" for p in PRODUCTS)
        + "</ul></body></html>"
    )
    return [
        _part("notes.txt", "text/plain", b"Meeting notes\n- kayak launch\n- Lisbon trip\n"),
        _part("stock.csv", "text/csv", csv.encode()),
        _part("report.html", "text/html", html.encode()),
        _part(
            "summary.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            tiny_docx("Quarterly summary: kayak sales up, invoices settled."),
        ),
    ]


# --- people --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    address: str


def make_people(count: int, rnd: random.Random) -> list[Person]:
    people: list[Person] = []
    seen: set[str] = set()
    for index in range(count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        local = f"{first}.{last}".lower()
        if local in seen:
            local = f"{local}{index}"
        seen.add(local)
        people.append(Person(f"{first} {last}", f"{local}@{DOMAIN}"))
    return people


def tenant_toml(people: list[Person], seed: int) -> str:
    tenant_id = uuid.uuid5(uuid.NAMESPACE_DNS, f"tenant-{seed}.{DOMAIN}")
    client_id = uuid.uuid5(uuid.NAMESPACE_DNS, f"app-{seed}.{DOMAIN}")
    lines = [
        f'tenant_id = "{tenant_id}"',
        f'domain = "{DOMAIN}"',
        'netbios_name = "CONTOSO"',
        "",
        "[[applications]]",
        f'client_id = "{client_id}"',
        f'client_secret = "generated-{seed}"',
        'permissions = ["User.Read.All", "MailboxSettings.Read", "Mail.Read", "Contacts.Read", '
        '"Calendars.Read", '
        '"Tasks.Read.All"]',
        "",
        "[service_account]",
        'username = "svc-search"',
        f'password = "generated-{seed}"',
        "impersonation = true",
        "",
    ]
    for person in people:
        first, _, last = person.name.partition(" ")
        lines += [
            "[[users]]",
            f'mail = "{person.address}"',
            f'display_name = "{person.name}"',
            f'given_name = "{first}"',
            f'surname = "{last}"',
            "",
        ]
    return "\n".join(lines)


# --- items ---------------------------------------------------------------------------------------


class MailboxWriter:
    """Writes one mailbox's items; every random choice comes from ``rnd``."""

    def __init__(
        self, root: Path, owner: Person, people: list[Person], parts: list[Part], rnd: random.Random
    ) -> None:
        self.root, self.owner, self.people, self.parts, self.rnd = root, owner, people, parts, rnd
        self.counter = 0
        self.made: set[Path] = set()  # folders already created: one mkdir each, not per file

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        if target.parent not in self.made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(target.parent)
        with open(target, "wb") as handle:
            handle.write(text.encode("utf-8"))

    def fill(self, count: int) -> None:
        mails = count - count // 4
        contacts = count // 12
        events = count // 10
        tasks = count - mails - contacts - events
        self.mails(mails)
        # With a few contacts to point at, one of the contact items is a group of them.
        cards = [self.contact() for _ in range(contacts - 1 if contacts >= 3 else contacts)]
        if contacts >= 3:
            self.group(cards[:10])
        for _ in range(events):
            self.event()
        for _ in range(tasks):
            self.task()

    def _values(self) -> dict[str, object]:
        rnd = self.rnd
        return {
            "n": f"{rnd.randint(2024, 2025)}-{rnd.randint(100, 999)}",
            "product": rnd.choice(PRODUCTS),
            "place": rnd.choice(PLACES),
            "partner": rnd.choice(PARTNERS),
            "qty": rnd.randint(2, 400),
            "amount": f"{rnd.randint(300, 90000):,}.00",
            "week": rnd.randint(1, 52),
            "discount": rnd.randint(3, 18),
        }

    def _when(self) -> datetime:
        return START + timedelta(minutes=self.rnd.randrange(int(SPAN.total_seconds() // 60)))

    def _other(self) -> Person:
        while True:
            person = self.rnd.choice(self.people)
            if person != self.owner or len(self.people) == 1:
                return person

    def mails(self, count: int) -> None:
        written = 0
        while written < count:
            subject_t, body_t = self.rnd.choice(TOPICS)
            values = self._values()
            length = min(self.rnd.choice((1, 1, 2, 3, 4)), count - written)
            subject = subject_t.format(**values)
            self.thread(subject[:1].upper() + subject[1:], body_t.format(**values), length)
            written += length

    def thread(self, subject: str, body: str, length: int) -> None:
        other = self._other()
        when = self._when()
        folder = self.rnd.choices(
            ["inbox", "archive", "junkemail", "Projects", "Projects/Suppliers"], [70, 14, 4, 7, 5]
        )[0]
        references: list[str] = []
        for position in range(length):
            self.counter += 1
            outgoing = position % 2 == 1
            sender, recipient = (self.owner, other) if outgoing else (other, self.owner)
            message_id = f"<gen-{self.owner.address.split('@')[0]}-{self.counter}@{DOMAIN}>"
            text = body if position == 0 else f"{self.rnd.choice(REPLIES)}\n\n> {body}"
            title = subject if position == 0 else f"RE: {subject}"
            target = "sentitems" if outgoing else folder
            self.write(
                f"{target}/{self.counter:06d}.eml",
                self.mime(sender, recipient, title, text, when, message_id, references),
            )
            references = [*references, message_id]
            when += timedelta(minutes=self.rnd.randint(5, 2880))

    def mime(
        self,
        sender: Person,
        recipient: Person,
        subject: str,
        text: str,
        when: datetime,
        message_id: str,
        references: list[str],
    ) -> str:
        headers = [
            f"From: {sender.name} <{sender.address}>",
            f"To: {recipient.name} <{recipient.address}>",
            f"Subject: {subject}",
            f"Date: {format_datetime(when)}",
            f"Message-ID: {message_id}",
            "MIME-Version: 1.0",
        ]
        if references:
            headers += [f"In-Reply-To: {references[-1]}", f"References: {' '.join(references)}"]
        body = f"Hello {recipient.name.split()[0]},\n\n{text}\n\nBest regards,\n{sender.name}\n"
        draw = self.rnd.random()
        if draw >= 0.27:
            headers.append("Content-Type: text/plain; charset=utf-8")
            return "\n".join(headers) + "\n\n" + body
        if draw >= 0.12:
            return "\n".join(headers) + "\n" + self._alternative(body)
        part = self.rnd.choice(self.parts)
        boundary = f"=_b{self.counter}"
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        return (
            "\n".join(headers) + f"\n\n--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n"
            f'{body}\n--{boundary}\nContent-Type: {part.content_type}; name="{part.name}"\n'
            f'Content-Disposition: attachment; filename="{part.name}"\n'
            f"Content-Transfer-Encoding: base64\n\n{part.encoded}--{boundary}--\n"
        )

    def _alternative(self, body: str) -> str:
        boundary = f"=_a{self.counter}"
        html = "".join(f"<p>{line}</p>" for line in body.split("\n\n"))
        return (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
            f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n"
            f"<html><body>{html}</body></html>\n--{boundary}--\n"
        )

    def group(self, uids: list[str]) -> None:
        self.counter += 1
        members = "".join(f"MEMBER:urn:uuid:{uid}\r\n" for uid in uids)
        self.write(
            f"contacts/{self.counter:06d}-group.vcf",
            f"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nUID:gen-group-{self.counter}\r\n"
            f"FN:Supplier contacts\r\n{members}END:VCARD\r\n",
        )

    def contact(self) -> str:
        """Writes one contact; returns its UID."""
        self.counter += 1
        first, last = self.rnd.choice(FIRST), self.rnd.choice(LAST)
        company = self.rnd.choice(PARTNERS)
        domain = company.lower().replace(" ", "") + ".example"
        self.write(
            f"contacts/{self.counter:06d}.vcf",
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:gen-{self.counter}\r\nFN:{first} {last}\r\n"
            f"N:{last};{first};;;\r\nORG:{company}\r\nTITLE:Account manager\r\n"
            f"EMAIL;TYPE=work:{first.lower()}.{last.lower()}@{domain}\r\n"
            f"TEL;TYPE=work:+351 21 {self.rnd.randint(1000000, 9999999)}\r\n"
            f"ADR;TYPE=work:;;{self.rnd.randint(1, 200)} Harbour Road;{self.rnd.choice(PLACES)}"
            f";;{self.rnd.randint(1000, 9999)};\r\nEND:VCARD\r\n",
        )
        return f"gen-{self.counter}"

    def event(self) -> None:
        self.counter += 1
        values = self._values()
        start = self._when().replace(minute=0, second=0)
        other = self._other()
        rule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if self.rnd.random() < 0.2 else ""
        folder = "calendar/Team" if self.rnd.random() < 0.25 else "calendar"
        self.write(
            f"{folder}/{self.counter:06d}.ics",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Contoso//Generator//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:gen-{self.owner.address}-{self.counter}\r\nDTSTAMP:{_ical(start)}\r\n"
            f"{_span(start, self.rnd.random() < 0.5)}{rule}"
            f"SUMMARY:{str(values['product']).title()} review with {values['partner']}\r\n"
            f"LOCATION:{values['place']} office\r\n"
            f"DESCRIPTION:Agenda: {values['product']} pricing\\, stock for {values['place']}.\r\n"
            f"ORGANIZER;CN={self.owner.name}:mailto:{self.owner.address}\r\n"
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={other.name}:mailto:"
            f"{other.address}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )

    def task(self) -> None:
        self.counter += 1
        values = self._values()
        due = self._when()
        status = self.rnd.choice(["NEEDS-ACTION", "IN-PROCESS", "COMPLETED"])
        self.write(
            f"tasks/{self.counter:06d}.ics",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Contoso//Generator//EN\r\nBEGIN:VTODO\r\n"
            f"UID:gen-task-{self.owner.address}-{self.counter}\r\nDTSTAMP:{_ical(due)}\r\n"
            f"SUMMARY:Follow up invoice {values['n']} with {values['partner']}\r\n"
            f"DUE:{_ical(due)}\r\nSTATUS:{status}\r\nPRIORITY:{self.rnd.choice([1, 5, 9])}\r\n"
            "END:VTODO\r\nEND:VCALENDAR\r\n",
        )


def _span(start: datetime, local: bool) -> str:
    """DTSTART and DTEND of a one-hour event, in UTC or as Hamburg wall-clock time."""
    end = start + timedelta(hours=1)
    if not local:
        return f"DTSTART:{_ical(start)}\r\nDTEND:{_ical(end)}\r\n"
    zone = ZoneInfo("Europe/Berlin")
    stamp = "%Y%m%dT%H%M%S"
    return (
        f"DTSTART;TZID=Europe/Berlin:{start.astimezone(zone):{stamp}}\r\n"
        f"DTEND;TZID=Europe/Berlin:{end.astimezone(zone):{stamp}}\r\n"
    )


def _ical(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- entry points --------------------------------------------------------------------------------


def generate_tenant(out: Path, users: int, items_per_user: int, seed: int) -> None:
    """Writes a tenant folder with ``users`` mailboxes of about ``items_per_user`` items each."""
    if users < 1 or items_per_user < 0:
        raise ValueError("users must be at least 1 and items_per_user at least 0")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    people = make_people(users, rnd)
    (out / "tenant.toml").write_text(tenant_toml(people, seed), encoding="utf-8")
    parts = attachment_parts()
    for person in people:
        writer = MailboxWriter(
            out / "mailboxes" / person.address,
            person,
            people,
            parts,
            random.Random(f"{seed}-{person.address}"),
        )
        writer.fill(items_per_user)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=10, help="number of mailboxes (default 10)")
    parser.add_argument(
        "--items-per-user", type=int, default=100, help="items in each mailbox (default 100)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the tenant to")


def command(args: argparse.Namespace) -> int:
    if args.out.exists() and any(args.out.iterdir()):
        print(
            f"outlook-emulator generate: {args.out} is not empty; choose a new folder",
            file=sys.stderr,
        )
        return 2
    try:
        generate_tenant(args.out, args.users, args.items_per_user, args.seed)
    except ValueError as error:
        print(f"outlook-emulator generate: {error}", file=sys.stderr)
        return 2
    print(f"wrote a tenant of {args.users} users x {args.items_per_user} items to {args.out}")
    return 0
