"""Every real attachment of the shared corpus, attached to mails and synced through Graph.

The files of the corpus ``docs/`` and ``msg/`` folders (office documents,
PDFs, Outlook items, images, archives; some malformed or encrypted) are
attached to mails of a test tenant, a few to a mail, and synced with the
command line against the Exchange Online emulator. Nothing may be lost: every
mail is indexed, and every file has a document that carries its text or says
why it has none.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from outlook_connector.extraction import Extractor, is_extractable
from tests.connector_run import cloud_config, connector, export
from tests.emulators import running_emulator, shared_dir
from tests.tenants import write_tenant

CORPUS = shared_dir() / "corpus"
FOLDERS = ("docs", "msg")
MAILBOXES = ["alice@contoso.example", "bob@contoso.example"]
FILES_PER_MAIL = 8
# Reasons that say only that something went wrong, not what.
GENERIC = ("could not be parsed", "crashed", "timed out", "unexpected")

pytestmark = pytest.mark.skipif(
    not all((CORPUS / folder).is_dir() for folder in FOLDERS),
    reason=f"the shared corpus folders {FOLDERS} are not at {CORPUS}",
)


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    content_type: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def relative(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()


@dataclass
class CorpusMail:
    subject: str
    mailbox: str
    files: list[CorpusFile]


def _content_type(path: Path) -> str:
    """What a mail client would say: a type guessed from the name, else octet-stream."""
    guessed, encoding = mimetypes.guess_type(path.name)
    return guessed if guessed and not encoding else "application/octet-stream"


def corpus_mails() -> list[CorpusMail]:
    """The corpus files, a few to a mail, no two of the same name in one mail."""
    files = sorted(
        (p for folder in FOLDERS for p in (CORPUS / folder).rglob("*") if p.is_file()),
        key=lambda p: p.relative_to(CORPUS).as_posix(),
    )
    mails: list[CorpusMail] = []
    for path in files:
        current = mails[-1] if mails else None
        if (
            current is None
            or len(current.files) >= FILES_PER_MAIL
            or any(_spaced(f.name) == _spaced(path.name) for f in current.files)
        ):
            number = len(mails) + 1
            current = CorpusMail(
                f"Corpus batch {number:03d}", MAILBOXES[number % len(MAILBOXES)], []
            )
            mails.append(current)
        current.files.append(CorpusFile(path, _content_type(path)))
    return mails


def _message(mail: CorpusMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Records <records@fabrikam.example>"
    message["To"] = mail.mailbox
    message["Subject"] = mail.subject
    message["Date"] = "Mon, 03 Jun 2024 08:00:00 +0000"
    message["Message-ID"] = f"<{mail.subject.replace(' ', '.')}@fabrikam.example>"
    message.set_content("Attached: " + ", ".join(f.relative for f in mail.files))
    for file in mail.files:
        data = file.path.read_bytes()
        if file.content_type == "message/rfc822":
            inner = message_from_bytes(data, policy=policy.compat32)
            message.add_attachment(inner, filename=file.name)
        else:
            maintype, subtype = file.content_type.split("/", 1)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=file.name)
    return message


@dataclass
class CorpusRun:
    mails: list[CorpusMail]
    summary: dict[str, Any]
    seconds: float
    documents: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusRun]:
    root = write_tenant(tmp_path_factory.mktemp("corpus-tenant"), MAILBOXES)
    mails = corpus_mails()
    for number, mail in enumerate(mails):
        target = root / "mailboxes" / mail.mailbox / "inbox" / f"batch-{number:03d}.eml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(_message(mail)))
    folder = tmp_path_factory.mktemp("corpus-index")
    with running_emulator(root) as emulator:
        config = cloud_config(folder / "cloud.toml", emulator, folder / "index.db")
        started = time.monotonic()
        result = connector("sync", "--config", str(config), "--json", timeout=600)
        seconds = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        yield CorpusRun(mails, json.loads(result.stdout), seconds, export(config))


def _spaced(name: str) -> str:
    """A file name with runs of white space as one space.

    The Graph emulator currently folds runs of spaces in a MIME filename
    parameter into one ("7 days  everyday.msg" is listed as "7 days everyday.msg"),
    so names are matched this way here; the name itself is not what this proves.
    """
    return " ".join(name.split())


def _attachments_of(run: CorpusRun, mail_id: str) -> list[dict[str, Any]]:
    return [d for d in run.documents.values() if d.get("parent_id") == mail_id]


def _file_document(run: CorpusRun, mail_id: str, file: CorpusFile) -> dict[str, Any]:
    """The document of a file attached to the mail (not of one found inside another file)."""
    named = [d for d in _attachments_of(run, mail_id) if _spaced(d["title"]) == _spaced(file.name)]
    assert named, f"{file.relative}: no document"
    if len(named) > 1:  # a file inside another attachment may carry the same name
        size = file.path.stat().st_size
        named = [d for d in named if d.get("size") == size] or named
    return named[0]


def _mail_ids(run: CorpusRun) -> dict[str, str]:
    return {d["title"]: d["id"] for d in run.documents.values() if d["type"] == "Inbox Mails"}


def test_corpus_sync_finishes_without_errors_and_keeps_every_mail(corpus_run: CorpusRun) -> None:
    files = sum(len(m.files) for m in corpus_run.mails)
    assert files > 300
    assert corpus_run.summary["errors"] == []
    assert corpus_run.summary["skipped"] == 0
    assert sorted(_mail_ids(corpus_run)) == sorted(m.subject for m in corpus_run.mails)
    assert corpus_run.summary["by_type"]["Inbox Mails"] == len(corpus_run.mails)
    attachments = corpus_run.summary["by_type"]["Mail Attachment"]
    assert attachments >= files
    assert corpus_run.summary["indexed"] == len(corpus_run.documents)
    for doc in corpus_run.documents.values():
        if "parent_id" in doc:
            assert corpus_run.documents[doc["parent_id"]]["type"] == "Inbox Mails"
    print(
        f"\ncorpus sync: {len(corpus_run.mails)} mails, {files} files, "
        f"{attachments} attachment documents in {corpus_run.seconds:.1f} s "
        f"({attachments / corpus_run.seconds:.1f} attachments/s)"
    )


def test_every_corpus_file_has_text_or_a_specific_reason(corpus_run: CorpusRun) -> None:
    mail_ids = _mail_ids(corpus_run)
    outcomes: Counter[str] = Counter()
    problems: dict[str, str] = {}
    for mail in corpus_run.mails:
        mail_id = mail_ids[mail.subject]
        names = corpus_run.documents[mail_id]["attachment_names"]
        assert sorted(map(_spaced, names)) == sorted(_spaced(f.name) for f in mail.files)
        for file in mail.files:
            doc = _file_document(corpus_run, mail_id, file)
            assert doc["mailbox"] == mail.mailbox
            body, reason = doc.get("body"), doc.get("extraction_error")
            if not is_extractable(file.name, file.content_type, file.path.stat().st_size):
                # Declined before download by name or type (images, audio, legacy
                # Office formats, executables): indexed, never with text.
                assert body is None, file.relative
                outcomes["not downloaded (format without text)"] += 1
            elif body and body.strip():
                assert reason is None, file.relative
                outcomes["text"] += 1
            elif reason and not any(g in reason for g in GENERIC):
                outcomes[f"reason: {reason.split(':')[0]}"] += 1
            else:
                problems[file.relative] = repr(reason)
    assert problems == {}
    assert outcomes["text"] > 250
    print("\n" + "\n".join(f"{count:5d}  {what}" for what, count in outcomes.most_common()))


def test_synced_text_equals_the_text_of_the_file_itself(corpus_run: CorpusRun) -> None:
    """Through MIME, Graph and the download, every byte arrives: same text, same reason."""
    mail_ids = _mail_ids(corpus_run)
    pairs = [
        (file, _file_document(corpus_run, mail_ids[mail.subject], file))
        for mail in corpus_run.mails
        for file in mail.files
        if file.content_type != "message/rfc822"  # an attached mail is re-serialised
        and is_extractable(file.name, file.content_type, file.path.stat().st_size)
    ]
    with Extractor(workers=2) as extractor, ThreadPoolExecutor(2) as threads:
        direct = list(
            threads.map(
                lambda pair: extractor.extract(
                    pair[0].name, pair[0].content_type, pair[0].path.read_bytes()
                ),
                pairs,
            )
        )
    different = {
        file.relative: ((doc.get("body") or "")[:80], (result.text or "")[:80])
        for (file, doc), result in zip(pairs, direct, strict=True)
        # A document keeps a reason only when there is no text.
        if (doc.get("body"), doc.get("extraction_error"))
        != (result.text, result.reason if result.text is None else None)
    }
    assert different == {}
    assert all(doc["size"] == file.path.stat().st_size for file, doc in pairs)
