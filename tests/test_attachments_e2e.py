"""Attachments of mails, events and tasks, end to end, through both ways in.

A tenant whose mails (MIME parts, an inline image, an attached mail that carries
a file of its own), events and tasks (iCalendar ATTACH) hold one file of every
format the extraction reads, each with a made-up word. It is synced with the
command line through Exchange Online (Microsoft Graph) and through Exchange
Server (EWS), and searched the way users search.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from outlook_connector.cli import main
from tests.attachment_files import (
    Sample,
    damaged_samples,
    nested_sample,
    png_image,
    samples,
    word_for,
)
from tests.connector_run import cloud_config, connector, export
from tests.emulators import running_emulator
from tests.tenants import SERVICE_PASSWORD, write_mail, write_tenant

ALICE = "alice@contoso.example"
BOB = "bob@contoso.example"
# Small enough that the scanned archive is over it, large enough for every sample.
MAX_ATTACHMENT_SIZE = 200_000

FORMATS_MAIL = "Formats for the review"
LARGE_MAIL = "Scanned archive"
DAMAGED_MAIL = "Damaged files"
PLAIN_MAIL = "Lunch on Friday"
EVENT = "Design review"
TASK = "Prepare the offsite"


def _named(files: list[Sample], suffix: str) -> Sample:
    (found,) = [f for f in files if f.name.endswith(suffix)]
    return found


MAIL_FILES = samples("mail")
EVENT_FILES = samples("event")
TASK_FILES = samples("task")
DAMAGED_FILES = damaged_samples("sent")
INLINE = Sample("mail-logo.png", "image/png", png_image(), None)
LARGE = Sample(
    "mail-scan.txt",
    "text/plain",
    (f"{word_for('mail', 'huge')} " + "scanned page text " * 20_000).encode(),
    word_for("mail", "huge"),
)


# -- the tenant ----------------------------------------------------------------------------------


def _mail(subject: str, sender: str, to: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Wed, 08 May 2024 09:30:00 +0000"
    message["Message-ID"] = f"<{subject.lower().replace(' ', '-')}@fabrikam.example>"
    message.set_content(body)
    return message


def _attach(message: EmailMessage, sample: Sample) -> None:
    if sample.content_type == "message/rfc822":
        inner = message_from_bytes(sample.data, policy=policy.default)
        message.add_attachment(inner, filename=sample.name)
        return
    maintype, subtype = sample.content_type.split("/", 1)
    message.add_attachment(sample.data, maintype=maintype, subtype=subtype, filename=sample.name)


def _write(root: Path, mailbox: str, path: str, message: EmailMessage) -> None:
    target = root / "mailboxes" / mailbox / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(message.as_bytes())


def _formats_mail() -> EmailMessage:
    message = _mail(
        FORMATS_MAIL,
        "Dana Field <dana@fabrikam.example>",
        ALICE,
        "Every file for the review is attached.",
    )
    message.add_alternative(
        "<html><body><p>Every file for the review is attached.</p>"
        '<img src="cid:logo@fabrikam.example"></body></html>',
        subtype="html",
    )
    html = message.get_payload()[1]
    html.add_related(
        INLINE.data,
        maintype="image",
        subtype="png",
        cid="<logo@fabrikam.example>",
        filename=INLINE.name,
        disposition="inline",
    )
    for sample in MAIL_FILES:
        _attach(message, sample)
    return message


def _fold(line: str) -> str:
    """iCalendar content lines are folded at 75 octets (RFC 5545 3.1)."""
    chunks = [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(chunks)


def _attach_lines(files: list[Sample]) -> str:
    return "".join(
        _fold(
            f"ATTACH;VALUE=BINARY;ENCODING=BASE64;FMTTYPE={f.content_type};"
            f"X-FILENAME={f.name}:{base64.b64encode(f.data).decode('ascii')}"
        )
        + "\r\n"
        for f in files
    )


def _calendar(component: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Contoso//Attachments test//EN\r\n"
        f"{component}END:VCALENDAR\r\n"
    )


def _event() -> str:
    return _calendar(
        "BEGIN:VEVENT\r\nUID:design-review@contoso.example\r\nDTSTAMP:20240501T090000Z\r\n"
        "DTSTART:20240510T090000Z\r\nDTEND:20240510T100000Z\r\n"
        f"SUMMARY:{EVENT}\r\nDESCRIPTION:Files for the review are attached.\r\n"
        + _attach_lines(EVENT_FILES)
        + "END:VEVENT\r\n"
    )


def _task() -> str:
    return _calendar(
        "BEGIN:VTODO\r\nUID:offsite@contoso.example\r\nDTSTAMP:20240501T090000Z\r\n"
        f"DUE:20240520T170000Z\r\nSTATUS:NEEDS-ACTION\r\nSUMMARY:{TASK}\r\n"
        + _attach_lines(TASK_FILES)
        + "END:VTODO\r\n"
    )


def write_attachment_tenant(root: Path) -> Path:
    write_tenant(root, [ALICE, BOB])
    _write(root, ALICE, "inbox/formats.eml", _formats_mail())
    large = _mail(LARGE_MAIL, "scanner@contoso.example", ALICE, "The scan is attached.")
    _attach(large, LARGE)
    _write(root, ALICE, "inbox/scan.eml", large)
    write_mail(root, ALICE, "inbox/lunch.eml", PLAIN_MAIL, "Shall we try the new place?")
    damaged = _mail(DAMAGED_MAIL, BOB, "carol@fabrikam.example", "These would not open for me.")
    for sample in DAMAGED_FILES:
        _attach(damaged, sample)
    _write(root, BOB, "sentitems/damaged.eml", damaged)
    (root / "mailboxes" / ALICE / "calendar").mkdir(parents=True)
    (root / "mailboxes" / ALICE / "calendar" / "review.ics").write_text(_event(), newline="")
    (root / "mailboxes" / BOB / "tasks").mkdir(parents=True)
    (root / "mailboxes" / BOB / "tasks" / "offsite.ics").write_text(_task(), newline="")
    (root / "mailboxes" / BOB / "contacts").mkdir(parents=True)
    (root / "mailboxes" / BOB / "contacts" / "erin.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Erin Stone\r\nN:Stone;Erin;;;\r\n"
        "EMAIL:erin@fabrikam.example\r\nEND:VCARD\r\n",
        newline="",
    )
    return root


# -- the runs -----------------------------------------------------------------------------------


@dataclass
class Run:
    config: Path
    summary: dict[str, Any]
    stderr: str
    documents: dict[str, dict[str, Any]]

    def search(self, query: str) -> list[dict[str, Any]]:
        """``outlook-connector search QUERY --json``, run in this process (it is run per word)."""
        out = io.StringIO()
        with redirect_stdout(out):
            status = main(
                ["search", query, "--config", str(self.config), "--json", "--limit", "50"]
            )
        assert status == 0
        return list(json.loads(out.getvalue()))

    def titled(self, title: str) -> dict[str, Any]:
        found = [d for d in self.documents.values() if d["title"] == title]
        assert len(found) == 1, (title, found)
        return found[0]


def _sync(config: Path) -> Run:
    result = connector("sync", "--config", str(config), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return Run(config, json.loads(result.stdout), result.stderr, export(config))


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = write_attachment_tenant(tmp_path_factory.mktemp("attachments-tenant"))
    with running_emulator(root) as info:
        yield info


@pytest.fixture(scope="module")
def cloud(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("cloud")
    config = cloud_config(
        folder / "cloud.toml",
        emulator,
        folder / "index.db",
        extra=f"max_attachment_size = {MAX_ATTACHMENT_SIZE}",
    )
    return _sync(config)


@pytest.fixture(scope="module")
def server(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("server")
    config = folder / "server.toml"
    config.write_text(
        'data_source = "outlook_server"\n'
        f'exchange_server = "{emulator["ews_url"]}"\n'
        # The mailboxes are listed, so the directory is never asked.
        'active_directory_server = "127.0.0.1:9"\n'
        f'username = "svc-search"\npassword = "{SERVICE_PASSWORD}"\n'
        'domain = "contoso.example"\nssl_enabled = true\n'
        f'ssl_ca = "{emulator["ca_cert"]}"\n'
        f'mailboxes = ["{ALICE}", "{BOB}"]\n'
        f"max_attachment_size = {MAX_ATTACHMENT_SIZE}\n"
        f'[index]\npath = "{folder / "index.db"}"\n'
    )
    return _sync(config)


# -- what the tenant should give ------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """An attachment document the sync must produce."""

    sample: Sample
    type: str
    parent: str  # the parent's title
    mailbox: str
    is_inline: bool = False
    nested: bool = False  # found inside an attached mail: its size is that of the inner file


def _with_nested(
    files: list[Sample], type_: str, parent: str, mailbox: str, tag: str
) -> list[Expected]:
    return [Expected(f, type_, parent, mailbox) for f in files] + [
        Expected(nested_sample(tag), type_, parent, mailbox, nested=True)
    ]


EXPECTED = [
    *_with_nested(MAIL_FILES, "Mail Attachment", FORMATS_MAIL, ALICE, "mail"),
    Expected(INLINE, "Mail Attachment", FORMATS_MAIL, ALICE, is_inline=True),
    Expected(LARGE, "Mail Attachment", LARGE_MAIL, ALICE),
    *[Expected(f, "Mail Attachment", DAMAGED_MAIL, BOB) for f in DAMAGED_FILES],
    *_with_nested(EVENT_FILES, "Calendar Attachment", EVENT, ALICE, "event"),
    *_with_nested(TASK_FILES, "Task Attachment", TASK, BOB, "task"),
]
WITH_TEXT = [e for e in EXPECTED if e.sample.word and e.sample is not LARGE]
WITHOUT_TEXT = [e for e in EXPECTED if e.sample.word is None and e.sample not in DAMAGED_FILES]
PARENTS = {
    FORMATS_MAIL: ("Inbox Mails", ALICE, [*MAIL_FILES, INLINE]),
    LARGE_MAIL: ("Inbox Mails", ALICE, [LARGE]),
    DAMAGED_MAIL: ("Sent Mails", BOB, DAMAGED_FILES),
    EVENT: ("Calendar", ALICE, EVENT_FILES),
    TASK: ("Task", BOB, TASK_FILES),
}
OTHERS = {("Inbox Mails", PLAIN_MAIL), ("Contact", "Erin Stone")}


def _ids(expected: list[Expected]) -> list[str]:
    return [f"{e.type.split()[0].lower()}:{e.sample.name}" for e in expected]


# -- Exchange Online ------------------------------------------------------------------------------


def test_cloud_sync_indexes_every_item_and_attachment_without_errors(cloud: Run) -> None:
    assert cloud.summary["errors"] == []
    assert cloud.summary["skipped"] == 0
    indexed = {(d["type"], d["title"]) for d in cloud.documents.values()}
    wanted = (
        {(e.type, e.sample.name) for e in EXPECTED}
        | {(kind, title) for title, (kind, _, _) in PARENTS.items()}
        | OTHERS
    )
    assert indexed == wanted
    assert len(cloud.documents) == len(wanted)  # no title stands for two documents
    assert cloud.summary["indexed"] == len(wanted)


@pytest.mark.parametrize("expected", WITH_TEXT, ids=_ids(WITH_TEXT))
def test_cloud_word_finds_its_attachment(cloud: Run, expected: Expected) -> None:
    word = expected.sample.word
    assert word is not None
    hits = cloud.search(word)
    assert [(h["type"], h["title"], h["mailbox"]) for h in hits] == [
        (expected.type, expected.sample.name, expected.mailbox)
    ]
    doc = cloud.documents[hits[0]["id"]]
    parent = cloud.titled(expected.parent)
    assert doc["parent_id"] == parent["id"]
    assert doc["parent_title"] == expected.parent
    assert doc["mailbox"] == parent["mailbox"] == expected.mailbox
    assert word in doc["body"]
    assert "extraction_error" not in doc
    assert doc["is_inline"] is False
    assert doc["content_type"] == expected.sample.content_type
    if expected.sample.content_type != "message/rfc822":  # an attached mail is re-serialised
        assert doc["size"] == len(expected.sample.data)


def test_cloud_parents_list_their_attachment_names(cloud: Run) -> None:
    for title, (kind, mailbox, files) in PARENTS.items():
        parent = cloud.titled(title)
        assert (parent["type"], parent["mailbox"]) == (kind, mailbox)
        assert sorted(parent["attachment_names"]) == sorted(f.name for f in files)
        if kind.endswith("Mails"):
            assert parent["has_attachments"] is True
    assert "attachment_names" not in cloud.titled(PLAIN_MAIL)


FILE_NAMES = [
    (_named(MAIL_FILES, ".xlsx").name, "Inbox Mails", FORMATS_MAIL),
    (INLINE.name, "Inbox Mails", FORMATS_MAIL),
    (_named(EVENT_FILES, ".pdf").name, "Calendar", EVENT),
    (_named(TASK_FILES, ".odt").name, "Task", TASK),
]


def _finds_parent_and_attachment(run: Run, file_name: str, parent_type: str, parent: str) -> None:
    result = connector("search", file_name, "--config", str(run.config), "--json", check=True)
    found = {(h["type"], h["title"]) for h in json.loads(result.stdout)}
    assert (parent_type, parent) in found
    assert any(title == file_name for _, title in found)


@pytest.mark.parametrize(("file_name", "parent_type", "parent"), FILE_NAMES)
def test_cloud_file_name_finds_the_parent_and_the_attachment(
    cloud: Run, file_name: str, parent_type: str, parent: str
) -> None:
    _finds_parent_and_attachment(cloud, file_name, parent_type, parent)


def test_cloud_inline_image_is_marked_inline_and_has_no_body(cloud: Run) -> None:
    logo = cloud.titled(INLINE.name)
    assert logo["is_inline"] is True
    assert logo["content_type"] == "image/png"
    assert logo["size"] == len(INLINE.data)
    assert logo["parent_id"] == cloud.titled(FORMATS_MAIL)["id"]
    assert "body" not in logo
    assert cloud.titled(_named(MAIL_FILES, ".png").name)["is_inline"] is False  # attached photo


@pytest.mark.parametrize("expected", WITHOUT_TEXT, ids=_ids(WITHOUT_TEXT))
def test_cloud_images_and_binaries_are_indexed_without_body(cloud: Run, expected: Expected) -> None:
    doc = cloud.titled(expected.sample.name)
    assert doc["type"] == expected.type
    assert doc["parent_id"] == cloud.titled(expected.parent)["id"]
    assert doc["size"] == len(expected.sample.data)
    assert "body" not in doc


def test_cloud_attachment_over_the_size_limit_is_indexed_without_its_text(cloud: Run) -> None:
    doc = cloud.titled(LARGE.name)
    assert len(LARGE.data) > MAX_ATTACHMENT_SIZE
    assert doc["size"] == len(LARGE.data)
    assert doc["parent_id"] == cloud.titled(LARGE_MAIL)["id"]
    assert "body" not in doc
    assert "max_attachment_size" in doc["extraction_error"]
    assert cloud.search(LARGE.word or "") == []
    # The mail itself is complete and found by the file's name.
    hits = cloud.search(LARGE.name)
    assert ("Inbox Mails", LARGE_MAIL) in {(h["type"], h["title"]) for h in hits}


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        (DAMAGED_FILES[0], "Word document (.docx) is corrupt or truncated"),
        (DAMAGED_FILES[1], "PDF is corrupt or truncated"),
        (DAMAGED_FILES[2], "PDF is password-protected"),
        (DAMAGED_FILES[3], "Office document is password-protected"),
    ],
    ids=[sample.name for sample in DAMAGED_FILES],
)
def test_cloud_corrupt_and_encrypted_files_give_a_logged_reason(
    cloud: Run, sample: Sample, reason: str
) -> None:
    doc = cloud.titled(sample.name)
    assert doc["parent_id"] == cloud.titled(DAMAGED_MAIL)["id"]
    assert doc["mailbox"] == BOB
    assert doc["size"] == len(sample.data)
    assert "body" not in doc
    assert doc["extraction_error"].startswith(reason)
    logged = [line for line in cloud.stderr.splitlines() if f"'{sample.name}'" in line]
    assert len(logged) == 1, cloud.stderr
    assert logged[0].startswith("WARNING")
    assert f"'{DAMAGED_MAIL}'" in logged[0]
    assert BOB in logged[0]
    assert doc["extraction_error"] in logged[0]


# -- Exchange Server ------------------------------------------------------------------------------

# An attached mail (an EWS ItemAttachment) is fetched with GetAttachment and
# AttachmentShape/IncludeMimeContent: its MIME content, as Graph's $value gives
# it, so the file inside it is found on both paths.
SERVER_WITH_TEXT = WITH_TEXT


def test_server_sync_indexes_what_the_cloud_sync_indexes(cloud: Run, server: Run) -> None:
    assert server.summary["errors"] == []
    assert server.summary["skipped"] == 0
    cloud_docs = {(d["type"], d["title"]) for d in cloud.documents.values()}
    server_docs = {(d["type"], d["title"]) for d in server.documents.values()}
    assert server_docs == cloud_docs


@pytest.mark.parametrize("expected", SERVER_WITH_TEXT, ids=_ids(SERVER_WITH_TEXT))
def test_server_word_finds_its_attachment(server: Run, expected: Expected) -> None:
    word = expected.sample.word
    assert word is not None
    hits = server.search(word)
    assert [(h["type"], h["title"], h["mailbox"]) for h in hits] == [
        (expected.type, expected.sample.name, expected.mailbox)
    ]
    doc = server.documents[hits[0]["id"]]
    assert doc["parent_id"] == server.titled(expected.parent)["id"]
    assert word in doc["body"]


def _comparable(run: Run) -> set[tuple[Any, ...]]:
    return {
        (
            d["type"],
            d["title"],
            d.get("body"),
            d.get("extraction_error"),
            d["mailbox"],
            d.get("content_type"),
            d.get("is_inline"),
            d.get("parent_title"),
            d.get("_timestamp"),
            d.get("size") if d.get("content_type") != "message/rfc822" else None,
        )
        for d in run.documents.values()
        if d["type"].endswith("Attachment")
    }


def test_server_attachment_documents_equal_the_cloud_ones(cloud: Run, server: Run) -> None:
    assert _comparable(server) == _comparable(cloud)
    for title, (_, _, files) in PARENTS.items():
        assert sorted(server.titled(title)["attachment_names"]) == sorted(f.name for f in files)
    for doc in server.documents.values():
        if "parent_id" in doc:
            assert server.documents[doc["parent_id"]]["title"] == doc["parent_title"]


@pytest.mark.parametrize(("file_name", "parent_type", "parent"), FILE_NAMES)
def test_server_file_name_finds_the_parent_and_the_attachment(
    server: Run, file_name: str, parent_type: str, parent: str
) -> None:
    _finds_parent_and_attachment(server, file_name, parent_type, parent)


def test_server_logs_the_reason_for_damaged_files(server: Run) -> None:
    for sample in DAMAGED_FILES:
        logged = [line for line in server.stderr.splitlines() if f"'{sample.name}'" in line]
        assert len(logged) == 1, server.stderr
        assert f"'{DAMAGED_MAIL}'" in logged[0] and BOB in logged[0]
