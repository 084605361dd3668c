"""Attachment documents: what is downloaded, what is extracted, what is said about the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from outlook_connector.extraction import ExtractionLimits, Extractor
from outlook_connector.extraction.context import ExtractionContext
from outlook_connector.extraction.formats import default_registry
from outlook_connector.extraction.registry import FormatSpec
from outlook_connector.sources.base import AttachmentRef
from outlook_connector.sync.attachments import AttachmentIndexer

LIMITS = ExtractionLimits(max_attachment_size=1000, timeout_seconds=20)


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor(LIMITS) as ex:
        yield ex


def ref(name: str, content_type: str, data: bytes, fetched: list[str]) -> AttachmentRef:
    def fetch() -> bytes:
        fetched.append(name)
        return data

    return AttachmentRef(
        id=f"m1/{name}",
        type="Mail Attachment",
        mailbox="alice@contoso.example",
        parent_id="m1",
        parent_title="Quarterly numbers",
        name=name,
        content_type=content_type,
        size=len(data),
        is_inline=False,
        last_modified=None,
        fetch=fetch,
    )


def test_only_what_can_give_text_is_downloaded(
    extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    fetched: list[str] = []
    indexer = AttachmentIndexer(extractor, LIMITS)
    caplog.set_level(logging.INFO)
    docs = {
        d["title"]: d
        for d in indexer.documents(
            [
                ref("notes.txt", "text/plain", b"zebracorn inventory", fetched),
                ref("big.txt", "text/plain", b"x" * 5000, fetched),
                ref("logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, fetched),
                ref("old.doc", "application/msword", b"\xd0\xcf\x11\xe0" + b"\0" * 60, fetched),
            ]
        )
    }
    assert fetched == ["notes.txt"]
    assert docs["notes.txt"]["body"] == "zebracorn inventory"
    assert docs["big.txt"]["extraction_error"] == "larger than max_attachment_size (1000 bytes)"
    assert "image" in docs["logo.png"]["extraction_error"]
    assert (
        ".doc" in docs["old.doc"]["extraction_error"]
        or "Word" in docs["old.doc"]["extraction_error"]
    )
    assert all("body" not in docs[n] for n in ("big.txt", "logo.png", "old.doc"))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "big.txt" in w and "Quarterly numbers" in w and "alice@contoso.example" in w
        for w in warnings
    )


def test_skipped_types_get_no_document(extractor: Extractor) -> None:
    fetched: list[str] = []
    indexer = AttachmentIndexer(extractor, LIMITS, selected=lambda name: not name.endswith(".exe"))
    docs = indexer.documents(
        [
            ref("setup.exe", "application/octet-stream", b"MZ", fetched),
            ref("a.txt", "text/plain", b"hello", fetched),
        ]
    )
    assert [d["title"] for d in docs] == ["a.txt"]


def read_picture(data: bytes, ctx: ExtractionContext) -> None:
    """A stand-in for a text recogniser: the text after the PNG signature."""
    ctx.emit(data[8:].decode("ascii", "replace"))


def test_formats_registered_on_the_extractor_decide_what_is_downloaded() -> None:
    # Pictures are not downloaded by default; a registry that can read them changes that.
    registry = default_registry()
    recogniser = FormatSpec(
        "image", "picture", read_picture, ("png",), ("image/png",), family="image"
    )
    registry.register(recogniser)
    fetched: list[str] = []
    with Extractor(LIMITS, registry=registry) as reading_pictures:
        indexer = AttachmentIndexer(reading_pictures, LIMITS)
        (doc,) = indexer.documents(
            [ref("scan.png", "image/png", b"\x89PNG\r\n\x1a\nzebracorn receipt", fetched)]
        )
    assert fetched == ["scan.png"]
    assert doc["body"] == "zebracorn receipt"
