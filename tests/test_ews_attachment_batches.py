"""Exchange Server: the attachments of a page are downloaded several to a GetAttachment request.

Against the EWS emulator: a full sync indexes every attachment with its text
in fewer GetAttachment operations than attachments, exactly the documents one
request per attachment gives, and an attachment the server cannot return in a
shared request costs only its own body. Without a server: how attachments are
grouped into requests, and what a failed request costs.
"""

from __future__ import annotations

import logging
import ssl
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from outlook_connector.config import Config, load_config
from outlook_connector.extraction import ExtractionLimits, Extractor
from outlook_connector.sources.base import AttachmentRef, BatchFetch
from outlook_connector.sources.ews.attachments import BATCH_MAX_ATTACHMENTS, BATCH_MAX_BYTES
from outlook_connector.sources.ews.services import file_content
from outlook_connector.sources.factory import create_source
from outlook_connector.sync.attachments import AttachmentIndexer, request_groups
from outlook_connector.sync.runner import extraction_limits
from tests.attachment_files import mail_with_attachment, nested_sample, png_image, word_for
from tests.connector_run import export, server_config, sync_json
from tests.emulators import running_emulator
from tests.tenants import write_tenant

ALICE = "alice@contoso.example"
ORDERS = 12  # mails, each with three text files, an attached mail and a picture
FILES = ("notes.txt", "table.csv", "page.html")
TYPES = {"txt": "text/plain", "csv": "text/csv", "html": "text/html"}
LARGE = "scan.txt"  # over BATCH_MAX_BYTES on its own: a request of its own


def _word(order: int, name: str) -> str:
    return word_for(f"order{order}", name.split(".")[0])


def _file(order: int, name: str) -> bytes:
    word = _word(order, name)
    if name.endswith(".csv"):
        return f"item,count\n{word},3\n".encode()
    if name.endswith(".html"):
        return f"<html><body><p>Packing list: {word}</p></body></html>".encode()
    return f"Notes for order {order}: {word}.\n".encode()


def _order_mail(order: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Dana Field <dana@fabrikam.example>"
    message["To"] = ALICE
    message["Subject"] = f"Order {order}"
    when = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=order)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<order-{order}@fabrikam.example>"
    message.set_content(f"Order {order}: the files are attached.")
    for name in FILES:
        maintype, subtype = TYPES[name.rsplit(".", 1)[1]].split("/")
        message.add_attachment(
            _file(order, name), maintype=maintype, subtype=subtype, filename=name
        )
    forwarded = mail_with_attachment(
        f"Minutes {order}", _word(order, "forwarded"), nested_sample(f"order{order}")
    )
    message.add_attachment(
        message_from_bytes(forwarded, policy=policy.default), filename=f"Minutes {order}.eml"
    )
    message.add_attachment(png_image(), maintype="image", subtype="png", filename="logo.png")
    return message.as_bytes()


def _large_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Scanner <scanner@fabrikam.example>"
    message["To"] = ALICE
    message["Subject"] = "Scanned archive"
    message["Date"] = "Thu, 02 May 2024 09:00:00 +0000"
    message.set_content("The archive is attached.")
    text = f"{word_for('scan', 'large')} " + "archived page text " * (BATCH_MAX_BYTES // 19 + 10)
    message.add_attachment(text.encode(), maintype="text", subtype="plain", filename=LARGE)
    return message.as_bytes()


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tenant(tmp_path_factory.mktemp("tenant"), [ALICE])
    inbox = root / "mailboxes" / ALICE / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for order in range(ORDERS):
        (inbox / f"order-{order:02d}.eml").write_bytes(_order_mail(order))
    (inbox / "scan.eml").write_bytes(_large_mail())
    return root


@pytest.fixture(scope="module")
def emulator(tenant: Path) -> Iterator[dict[str, Any]]:
    with running_emulator(tenant) as info:
        yield info


class Stats:
    def __init__(self, info: dict[str, Any]) -> None:
        tls = ssl.create_default_context(cafile=info["ca_cert"])
        self.client = httpx.Client(base_url=info["login_url"], verify=tls)

    def reset(self) -> None:
        self.client.delete("/_emulator/stats").raise_for_status()

    def get_attachments(self) -> int:
        operations = self.client.get("/_emulator/stats").json()["operations"]
        return int(operations.get("GetAttachment", 0))


# One connection to Exchange: the emulator counts the operations of requests on a
# connection NTLM has signed in, not those that carry a leg of a handshake, so the
# counts are exact only when no connection is opened while attachments download.
ONE_CONNECTION = "max_concurrent_mailboxes = 1\n"

# Attachments that are downloaded: three files and an attached mail per order, and the
# large file. Requests: files by sixteen, attached mails apart, the large file alone.
DOWNLOADED = ORDERS * (len(FILES) + 1) + 1
REQUESTS = -(-ORDERS * len(FILES) // BATCH_MAX_ATTACHMENTS) + 1 + 1


def test_a_full_sync_indexes_every_attachment_in_few_requests(
    emulator: dict[str, Any], tmp_path: Path
) -> None:
    stats = Stats(emulator)
    stats.reset()
    config = server_config(
        tmp_path / "server.toml", emulator, tmp_path / "index.db", [ALICE], ONE_CONNECTION
    )
    summary = sync_json(config)
    assert summary["errors"] == []
    assert stats.get_attachments() == REQUESTS < DOWNLOADED

    docs = export(config)
    attachments = [d for d in docs.values() if d["type"] == "Mail Attachment"]
    by_parent: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in attachments:
        by_parent.setdefault(doc["parent_title"], {})[doc["title"]] = doc
    for order in range(ORDERS):
        found = by_parent[f"Order {order}"]
        for name in FILES:
            assert _word(order, name) in found[name]["body"], found[name]
        (forwarded,) = [d for title, d in found.items() if title.startswith("Minutes")]
        assert _word(order, "forwarded") in forwarded["body"]
        assert "body" not in found["logo.png"]  # a picture is never downloaded
        assert found["logo.png"]["extraction_error"]
    assert word_for("scan", "large") in by_parent["Scanned archive"][LARGE]["body"]


@pytest.fixture(scope="module")
def config(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Config:
    tmp = tmp_path_factory.mktemp("source")
    return load_config(
        server_config(tmp / "c.toml", emulator, tmp / "i.db", [ALICE], ONE_CONNECTION)
    )


@pytest.fixture(scope="module")
def refs(config: Config) -> list[AttachmentRef]:
    """The attachments of the inbox, as the EWS source lists them with its pages."""
    source = create_source(config)
    (mailbox,) = list(source.mailboxes())
    (inbox,) = [c for c in source.collections(mailbox) if c.key == "mail:inbox"]
    return [ref for page in source.changes(mailbox, inbox, None) for ref in page.attachments]


@pytest.fixture(scope="module")
def limits(config: Config) -> ExtractionLimits:
    return extraction_limits(config)


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor(ExtractionLimits(), workers=2) as ex:
        yield ex


def test_the_same_documents_as_one_request_per_attachment(
    emulator: dict[str, Any], refs: list[AttachmentRef], extractor: Extractor, limits: Any
) -> None:
    stats = Stats(emulator)
    with AttachmentIndexer(extractor, limits, downloads=4) as indexer:
        stats.reset()
        one_by_one = indexer.documents([replace(ref, batch=None) for ref in refs])
        assert stats.get_attachments() == DOWNLOADED
        stats.reset()
        batched = indexer.documents(refs)
        assert stats.get_attachments() == REQUESTS
    assert batched == one_by_one
    with_text = [d for d in batched if d.get("body")]
    assert len(with_text) >= DOWNLOADED  # and the files found inside the attached mails


def test_an_attachment_the_server_cannot_return_costs_only_its_body(
    emulator: dict[str, Any],
    refs: list[AttachmentRef],
    extractor: Extractor,
    limits: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (gone,) = [r for r in refs if r.parent_title == "Order 3" and r.name == "table.csv"]
    assert gone.batch is not None
    unknown = replace(gone, batch=replace(gone.batch, id=gone.batch.id[:-8] + "AAAAAAA="))
    changed = [unknown if r is gone else r for r in refs]
    stats = Stats(emulator)
    stats.reset()
    caplog.set_level(logging.WARNING)
    with AttachmentIndexer(extractor, limits, downloads=4) as indexer:
        docs = {d["id"]: d for d in indexer.documents(changed)}
    assert stats.get_attachments() == REQUESTS  # nothing was asked for again

    failed = docs[gone.id]
    assert "body" not in failed
    assert failed["extraction_error"].startswith(f"download failed: an attachment of {ALICE}")
    assert any(
        "'table.csv' of 'Order 3'" in r.getMessage() and "download failed" in r.getMessage()
        for r in caplog.records
    )
    for ref in refs:
        if ref is gone or ref.name == "logo.png":
            continue
        assert docs[ref.id].get("body"), ref.name  # the rest of its request kept its text


# -- without a server ---------------------------------------------------------------------------


def test_requests_hold_at_most_the_count_and_the_bytes_allowed() -> None:
    assert request_groups([10] * 40, 16, 1000) == [
        list(range(0, 16)),
        list(range(16, 32)),
        list(range(32, 40)),
    ]
    assert request_groups([400, 400, 400, 100, 100], 16, 1000) == [[0, 1], [2, 3, 4]]
    # Unknown size and more than the byte bound: alone, and the others keep their order.
    assert request_groups([10, None, 10, 5000, 10], 16, 1000) == [[0, 2, 4], [1], [3]]
    assert request_groups([], 16, 1000) == []


def test_a_request_holds_no_more_than_the_largest_attachment_fetched_alone() -> None:
    # A reply is held whole while it is parsed: by default a request of several
    # attachments needs no more memory than the largest one downloaded alone.
    assert ExtractionLimits().max_attachment_size >= BATCH_MAX_BYTES
    assert request_groups([BATCH_MAX_BYTES // 2] * 3, BATCH_MAX_ATTACHMENTS, BATCH_MAX_BYTES) == [
        [0, 1],
        [2],
    ]


class FakeServer:
    """Attachments by id; ``fail`` ids answer an error, ``down`` mailboxes fail whole requests."""

    def __init__(self, fail: set[str] = frozenset(), down: set[str] = frozenset()) -> None:
        self.fail, self.down = fail, down
        self.requests: list[tuple[str, bool, list[str]]] = []

    def fetch(self, mailbox: str, is_item: bool, ids: Sequence[str]) -> list[bytes | Exception]:
        self.requests.append((mailbox, is_item, list(ids)))
        if mailbox in self.down:
            raise ConnectionError(f"cannot talk to the server of {mailbox}")
        return [
            LookupError(f"no attachment {i}") if i in self.fail else f"text of {i}".encode()
            for i in ids
        ]

    def ref(self, mailbox: str, name: str, is_item: bool = False, size: int = 100) -> AttachmentRef:
        def alone() -> bytes:
            raise AssertionError("fetched alone though it can be fetched with others")

        return AttachmentRef(
            id=f"{mailbox}/{name}",
            type="Mail Attachment",
            mailbox=mailbox,
            parent_id=f"{mailbox}/mail",
            parent_title="Orders",
            name=name,
            content_type="text/plain",
            size=size,
            is_inline=False,
            last_modified=None,
            fetch=alone,
            batch=BatchFetch(
                key=(mailbox, is_item),
                id=name,
                fetch=lambda ids: self.fetch(mailbox, is_item, ids),
                max_count=3,
                max_bytes=1000,
            ),
        )


BOB = "bob@contoso.example"


def test_requests_group_a_mailbox_and_a_kind_and_skip_what_is_not_downloaded(
    extractor: Extractor,
) -> None:
    server = FakeServer()
    plain_fetched: list[str] = []
    plain = replace(
        server.ref(ALICE, "plain.txt"),
        batch=None,
        fetch=lambda: plain_fetched.append("plain.txt") or b"text of plain.txt",
    )
    refs = [
        server.ref(ALICE, "a1.txt"),
        server.ref(BOB, "b1.txt"),
        server.ref(ALICE, "a2.eml", is_item=True),
        server.ref(ALICE, "a3.txt"),
        replace(server.ref(ALICE, "logo.png"), content_type="image/png"),
        server.ref(ALICE, "a4.txt"),
        server.ref(ALICE, "a5.txt"),
        server.ref(ALICE, "big.txt", size=10**9),  # over max_attachment_size
        plain,
    ]
    limits = ExtractionLimits(max_attachment_size=5000)
    with AttachmentIndexer(extractor, limits, downloads=4) as indexer:
        docs = indexer.documents(refs)
    assert sorted(server.requests) == sorted(
        [
            (ALICE, False, ["a1.txt", "a3.txt", "a4.txt"]),
            (ALICE, False, ["a5.txt"]),
            (ALICE, True, ["a2.eml"]),
            (BOB, False, ["b1.txt"]),
        ]
    )
    assert plain_fetched == ["plain.txt"]  # a source without requests of several: as before
    assert [d["title"] for d in docs] == [r.name for r in refs]  # in the order given
    bodies = {d["title"]: d.get("body") for d in docs}
    for name in ("a1.txt", "b1.txt", "a2.eml", "a3.txt", "a4.txt", "a5.txt", "plain.txt"):
        assert bodies[name] == f"text of {name}"
    assert bodies["logo.png"] is None and bodies["big.txt"] is None


def test_a_failed_id_costs_its_body_and_a_failed_request_the_bodies_it_carried(
    extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeServer(fail={"a2.txt"}, down={BOB})
    refs = [server.ref(ALICE, f"a{n}.txt") for n in range(1, 5)] + [
        server.ref(BOB, f"b{n}.txt") for n in range(1, 3)
    ]
    caplog.set_level(logging.WARNING)
    with AttachmentIndexer(extractor, ExtractionLimits(), downloads=4) as indexer:
        docs = {d["title"]: d for d in indexer.documents(refs)}
    assert docs["a2.txt"]["extraction_error"] == "download failed: no attachment a2.txt"
    for name in ("a1.txt", "a3.txt", "a4.txt"):
        assert docs[name]["body"] == f"text of {name}"
    for name in ("b1.txt", "b2.txt"):
        assert "body" not in docs[name]
        assert docs[name]["extraction_error"] == (
            f"download failed: cannot talk to the server of {BOB}"
        )
    warned = Counter(
        r.getMessage().split("'")[1] for r in caplog.records if "download failed" in r.getMessage()
    )
    assert warned == {"a2.txt": 1, "b1.txt": 1, "b2.txt": 1}
    assert len(server.requests) == 3  # a4 went in a request of its own (three at most)


def _file_attachment(content: str | None) -> Any:
    xml = '<t:FileAttachment xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    xml += '<t:AttachmentId Id="A1"/><t:Name>notes.txt</t:Name>'
    if content is not None:
        xml += f"<t:Content>{content}</t:Content>"
    return etree.fromstring(xml + "</t:FileAttachment>")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("emVicmFjb3JuIGxpc3Q=", b"zebracorn list"),
        # Servers may leave out the padding: the content is still read.
        ("emVicmFjb3JuIGxpc3Q", b"zebracorn list"),
        ("emVicmFj\nb3JuIGxpc3Q=\n", b"zebracorn list"),  # line breaks are not content
        (None, b""),  # no Content element: an empty file
        ("", b""),
    ],
)
def test_a_file_attachments_content_is_decoded_from_the_answer(
    content: str | None, expected: bytes
) -> None:
    assert file_content(_file_attachment(content)) == expected


def test_content_that_is_not_base64_is_that_attachments_error() -> None:
    answer = file_content(_file_attachment("emVicmFjb3JuI"))  # a character too many
    assert isinstance(answer, Exception) and "not base64" in str(answer)
