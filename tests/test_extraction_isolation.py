"""Hostile attachments: hangs, crashes, memory hogs, bombs, oversize and endless text.

The misbehaving handlers below are registered as extra formats, so they run in
the real worker pool exactly as a misbehaving parser would.
"""

from __future__ import annotations

import ctypes
import io
import os
import pickle
import signal
import threading
import time
import zipfile
from collections.abc import Iterator

import pytest

from outlook_connector.extraction import ExtractionLimits, Extractor, is_extractable
from outlook_connector.extraction.context import ExtractionContext
from outlook_connector.extraction.formats import default_registry
from outlook_connector.extraction.registry import FormatRegistry, FormatSpec

LIMITS = ExtractionLimits(timeout_seconds=2.0, max_memory_bytes=256 * 1024 * 1024)


def sleep_forever(data: bytes, ctx: ExtractionContext) -> None:
    while True:
        time.sleep(1)


def allocate_without_bound(data: bytes, ctx: ExtractionContext) -> None:
    hoard = []
    while True:
        hoard.append(bytearray(16 * 1024 * 1024))


def segfault(data: bytes, ctx: ExtractionContext) -> None:
    ctypes.string_at(0)


def kill_self(data: bytes, ctx: ExtractionContext) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def report_pid(data: bytes, ctx: ExtractionContext) -> None:
    ctx.emit(str(os.getpid()))


def hostile_registry() -> FormatRegistry:
    registry = default_registry()
    for name, handler in [
        ("sleepy", sleep_forever),
        ("hog", allocate_without_bound),
        ("segv", segfault),
        ("oomkilled", kill_self),
        ("pid", report_pid),
    ]:
        registry.register(FormatSpec(name, f"{name} test format", handler, (name,)))
    return registry


@pytest.fixture
def extractor() -> Iterator[Extractor]:
    with Extractor(LIMITS, registry=hostile_registry()) as instance:
        yield instance


def assert_still_works(extractor: Extractor) -> None:
    result = extractor.extract("after.txt", "text/plain", b"still working")
    assert result.text == "still working"


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_hanging_parser_is_killed_at_the_timeout(extractor: Extractor) -> None:
    worker_pid = int(extractor.extract("a.pid", None, b"x").text or 0)
    started = time.monotonic()
    result = extractor.extract("file.sleepy", None, b"data")
    elapsed = time.monotonic() - started
    assert result.text is None
    assert result.reason == "sleepy test format extraction timed out after 2 s"
    assert 2.0 <= elapsed < 10.0
    assert not process_exists(worker_pid)
    assert_still_works(extractor)


def test_close_stops_the_workers() -> None:
    with Extractor(registry=hostile_registry()) as extractor:
        worker_pid = int(extractor.extract("a.pid", None, b"x").text or 0)
        assert process_exists(worker_pid)
    assert not process_exists(worker_pid)


def test_memory_hog_is_stopped_by_the_limit() -> None:
    # The memory limit, not the clock, must stop it: the timeout is far away.
    limits = ExtractionLimits(timeout_seconds=60.0, max_memory_bytes=256 * 1024 * 1024)
    with Extractor(limits, registry=hostile_registry()) as extractor:
        result = extractor.extract("file.hog", None, b"data")
        assert result.text is None
        assert result.reason == "hog test format extraction exceeded the memory limit"
        assert_still_works(extractor)


def test_segfault_is_reported_as_a_crash(extractor: Extractor) -> None:
    result = extractor.extract("file.segv", None, b"data")
    assert result.text is None
    assert result.reason == "segv test format extraction crashed (SIGSEGV)"
    assert_still_works(extractor)


def test_killed_worker_is_reported_as_out_of_memory(extractor: Extractor) -> None:
    result = extractor.extract("file.oomkilled", None, b"data")
    assert result.reason and "exceeded the memory limit (worker killed)" in result.reason
    assert_still_works(extractor)


def test_workers_are_reused_between_extractions(extractor: Extractor) -> None:
    first = extractor.extract("a.pid", None, b"x").text
    second = extractor.extract("b.pid", None, b"x").text
    assert first == second


def test_a_failed_worker_is_replaced(extractor: Extractor) -> None:
    before = extractor.extract("a.pid", None, b"x").text
    extractor.extract("file.segv", None, b"data")
    after = extractor.extract("b.pid", None, b"x").text
    assert before != after


def _bomb(member: str, size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, b"\0" * size)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "member"),
    [
        ("bomb.docx", "word/document.xml"),
        ("bomb.xlsx", "xl/sharedStrings.xml"),
        ("bomb.pptx", "ppt/slides/slide1.xml"),
        ("bomb.odt", "content.xml"),
    ],
)
def test_zip_bomb_is_refused(extractor: Extractor, name: str, member: str) -> None:
    data = _bomb(member, 40 * 1024 * 1024)
    assert len(data) < 100_000
    result = extractor.extract(name, None, data)
    assert result.text is None
    assert result.reason and "refused as a decompression bomb" in result.reason
    assert member in result.reason


def test_many_small_members_over_the_total_budget_are_refused() -> None:
    limits = ExtractionLimits(max_memory_bytes=64 * 1024 * 1024)  # budget: a quarter, 16 MiB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(20):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", b"\0" * 1024 * 1024)
    with Extractor(limits) as extractor:
        result = extractor.extract("many.xlsx", None, buffer.getvalue())
    assert result.reason and "uncompressed, over the 16.0 MiB limit" in result.reason


def test_text_is_cut_at_the_character_limit() -> None:
    limits = ExtractionLimits(max_extracted_chars=1000)
    with Extractor(limits) as extractor:
        result = extractor.extract("long.txt", None, b"abcdefghij" * 500)
    assert result.text == "abcdefghij" * 100
    assert result.reason == "plain text: text cut at 1,000 characters"


def test_oversized_attachment_is_not_extracted() -> None:
    limits = ExtractionLimits(max_attachment_size=100)
    with Extractor(limits) as extractor:
        result = extractor.extract("big.txt", None, b"x" * 101)
    assert result.text is None
    assert result.reason and "over the 100-byte limit" in result.reason


def test_empty_attachment_has_a_reason(extractor: Extractor) -> None:
    result = extractor.extract("empty.txt", None, b"")
    assert (result.text, result.reason) == (None, "attachment is empty")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("cut.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "PDF"),
        ("cut.docx", b"PK\x03\x04" + b"\x00" * 40, "Word document (.docx) is corrupt"),
        ("noise.xlsx", os.urandom(2000), "Excel workbook (.xlsx)"),
        ("noise.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600, ".xls"),
        ("noise.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600, ".msg"),
        ("bad.odt", b"PK\x05\x06" + b"\x00" * 18, "OpenDocument text (.odt)"),
    ],
)
def test_corrupt_files_give_a_reason_naming_the_format(
    extractor: Extractor, name: str, data: bytes, expected: str
) -> None:
    result = extractor.extract(name, None, data)
    assert result.text is None
    assert result.reason and expected in result.reason


def test_xml_entities_are_not_expanded(extractor: Extractor) -> None:
    laughs = [b'<!ENTITY a0 "lol">'] + [
        b'<!ENTITY a%d "%s">' % (n, (b"&a%d;" % (n - 1)) * 10) for n in range(1, 10)
    ]
    external = b'<!ENTITY ext SYSTEM "file:///etc/passwd">'
    document = (b"<?xml version='1.0'?><!DOCTYPE r [" + b"".join(laughs) + external
                + b"]><r>safe &a9; &ext; words</r>")
    result = extractor.extract("laughs.xml", None, document)
    assert "safe" in (result.text or "")
    assert "lollol" not in (result.text or "")
    assert "root:" not in (result.text or "")


def test_concurrent_callers_share_the_pool() -> None:
    results: dict[int, str | None] = {}

    def work(number: int) -> None:
        data = f"document number {number}".encode()
        results[number] = extractor.extract(f"{number}.txt", None, data).text

    with Extractor(workers=2) as extractor:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert results == {n: f"document number {n}" for n in range(6)}


def test_closed_extractor_refuses_work() -> None:
    extractor = Extractor()
    extractor.close()
    with pytest.raises(RuntimeError):
        extractor.extract("a.txt", None, b"text")


@pytest.mark.parametrize(
    ("name", "content_type", "size", "expected"),
    [
        ("report.pdf", "application/pdf", 1000, True),
        ("report.PDF", None, None, True),
        ("mail.eml", "message/rfc822", 1000, True),
        ("photo.jpg", "image/jpeg", 1000, False),
        ("clip.mp4", None, 1000, False),
        ("old.doc", "application/msword", 1000, False),
        ("report.pdf", "application/pdf", 11 * 1024 * 1024, False),
        ("report.pdf", "application/pdf", 0, False),
        ("noname", "image/png", 1000, False),
        ("noname", "text/html", 1000, True),
        ("ATT00001.bin", "application/octet-stream", 1000, True),
    ],
)
def test_is_extractable_decides_before_download(
    name: str, content_type: str | None, size: int | None, expected: bool
) -> None:
    assert is_extractable(name, content_type, size) is expected


def test_a_handler_workers_cannot_import_is_rejected_up_front() -> None:
    registry = default_registry()
    registry.register(FormatSpec("inline", "inline", lambda data, ctx: None, ("inline",)))
    with pytest.raises((pickle.PicklingError, AttributeError)):
        Extractor(registry=registry)
