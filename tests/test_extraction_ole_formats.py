"""Formats stored in OLE compound files (.xls, .msg), written here byte by byte.

No installed library writes these formats, so a minimal compound-file writer
(MS-CFB version 3: one FAT sector, top-level streams only) builds them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest

from outlook_connector.extraction import Extractor

WORD = "Quetzalcoatlus"
SECTOR, MINI, MINI_CUTOFF = 512, 64, 4096
END, FAT_SECTOR, FREE = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
NO_STREAM = 0xFFFFFFFF


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor() as instance:
        yield instance


def _words(values: list[int]) -> bytes:
    return b"".join(struct.pack("<I", value) for value in values)


def _chain(first: int, count: int) -> list[int]:
    """FAT entries for `count` consecutive sectors starting at `first`."""
    return [first + i + 1 for i in range(count - 1)] + [END] if count else []


def _directory_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NO_STREAM, right, child) + b"\0" * 36
            + struct.pack("<IQ", start, size))


def make_compound_file(streams: dict[str, bytes]) -> bytes:
    """Streams under 4 KiB go to the mini stream, larger ones to regular sectors."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    mini, mini_fat, starts = bytearray(), [], {}
    for name in (n for n in names if len(streams[n]) < MINI_CUTOFF):
        count = -(-len(streams[name]) // MINI)
        starts[name] = len(mini) // MINI if count else END
        mini_fat += _chain(len(mini) // MINI, count)
        mini += streams[name].ljust(count * MINI, b"\0")
    directory_sectors = -(-(len(names) + 1) * 128 // SECTOR)
    mini_fat_sectors = -(-len(mini_fat) * 4 // SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    fat = [FAT_SECTOR] + _chain(1, directory_sectors)
    mini_fat_start = len(fat)
    fat += _chain(mini_fat_start, mini_fat_sectors)
    mini_start = len(fat)
    fat += _chain(mini_start, mini_sectors)
    body = bytearray()
    for name in (n for n in names if len(streams[n]) >= MINI_CUTOFF):
        count = -(-len(streams[name]) // SECTOR)
        starts[name] = len(fat)
        fat += _chain(len(fat), count)
        body += streams[name].ljust(count * SECTOR, b"\0")
    assert len(fat) <= SECTOR // 4, "this writer has a single FAT sector"
    # A degenerate but valid red-black tree: every stream is the right sibling of the previous.
    entries = [_directory_entry("Root Entry", 5, 1, NO_STREAM,
                                mini_start if mini_sectors else END, len(mini))]
    for index, name in enumerate(names, 1):
        right = index + 1 if index < len(names) else NO_STREAM
        entries.append(_directory_entry(name, 2, NO_STREAM, right, starts[name],
                                        len(streams[name])))
    directory = b"".join(entries).ljust(directory_sectors * SECTOR, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, MINI_CUTOFF,
                            mini_fat_start if mini_fat_sectors else END, mini_fat_sectors, END, 0)
              + _words([0] + [FREE] * 108))
    return (header + _words(fat).ljust(SECTOR, b"\xff") + directory
            + _words(mini_fat).ljust(mini_fat_sectors * SECTOR, b"\xff")
            + bytes(mini).ljust(mini_sectors * SECTOR, b"\0") + bytes(body))


def _biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _biff_bof(substream: int) -> bytes:
    return _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 6))


def make_xls(word: str) -> bytes:
    """A BIFF8 workbook: globals (BOF, CODEPAGE, BOUNDSHEET, EOF) and one sheet with a label."""
    sheet = (_biff_bof(0x0010)
             + _biff_record(0x0200, struct.pack("<IIHHH", 0, 2, 0, 2, 0))
             + _biff_record(0x0204, struct.pack("<HHHHB", 1, 1, 0, len(word), 0)
                            + word.encode("latin-1"))
             + _biff_record(0x000A))

    def workbook_globals(sheet_offset: int) -> bytes:
        boundsheet = struct.pack("<IBBBB", sheet_offset, 0, 0, 6, 0) + b"Budget"
        return (_biff_bof(0x0005) + _biff_record(0x0042, struct.pack("<H", 1200))
                + _biff_record(0x0085, boundsheet) + _biff_record(0x000A))

    stream = workbook_globals(len(workbook_globals(0))) + sheet
    return make_compound_file({"Workbook": stream.ljust(MINI_CUTOFF, b"\0")})


def make_msg(subject: str, body: str) -> bytes:
    """An Outlook message: Unicode string properties and the top-level property stream."""
    properties = b"\0" * 32  # header of the top-level property stream
    streams = {}
    for prop, text in ((0x001A, "IPM.Note"), (0x0037, subject), (0x1000, body)):
        data = text.encode("utf-16-le")
        streams[f"__substg1.0_{prop:04X}001F"] = data
        properties += struct.pack("<IIII", (prop << 16) | 0x001F, 6, len(data) + 2, 0)
    streams["__properties_version1.0"] = properties
    return make_compound_file(streams)


def test_xls_cell_text_is_found(extractor: Extractor) -> None:
    result = extractor.extract("budget.xls", "application/vnd.ms-excel", make_xls(WORD))
    assert result.reason is None
    assert result.text == f"Budget\n{WORD}"


def test_msg_subject_and_body_are_found(extractor: Extractor) -> None:
    data = make_msg(f"Trip to see {WORD}", f"Body about {WORD} fossils")
    result = extractor.extract("trip.msg", None, data)
    assert result.reason is None
    assert f"Subject: Trip to see {WORD}" in (result.text or "")
    assert f"Body about {WORD} fossils" in (result.text or "")


def test_xls_and_msg_are_told_apart_without_a_name(extractor: Extractor) -> None:
    xls = extractor.extract("attachment", None, make_xls(WORD))
    msg = extractor.extract("attachment", None, make_msg("Subject line", WORD))
    assert xls.text == f"Budget\n{WORD}"
    assert "Subject: Subject line" in (msg.text or "")


def test_ole_file_of_another_kind_gives_a_reason(extractor: Extractor) -> None:
    result = extractor.extract("thing.bin", None, make_compound_file({"Contents": b"x" * 100}))
    assert result.text is None
    assert result.reason == "OLE compound file of an unsupported kind"


def test_legacy_doc_is_recognised_by_its_streams(extractor: Extractor) -> None:
    doc = make_compound_file({"WordDocument": b"\0" * 600, "1Table": b"\0" * 100})
    result = extractor.extract("attachment", "application/octet-stream", doc)
    assert result.reason == "legacy Word .doc is not supported"


def test_encrypted_office_document_is_recognised(extractor: Extractor) -> None:
    encrypted = make_compound_file({"EncryptionInfo": b"\0" * 200,
                                    "EncryptedPackage": b"\0" * 5000})
    result = extractor.extract("secret.docx", None, encrypted)
    assert result.reason == "Office document is password-protected"
