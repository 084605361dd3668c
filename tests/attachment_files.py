"""One small file per attachment format, each carrying a distinctive made-up word.

The words are unique per owner (``tag``) and format, so a search for one of
them can only be answered by the text extracted from that one file.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from email.message import EmailMessage

from tests.test_extraction_formats import (
    make_docx,
    make_odf,
    make_pdf,
    make_pptx,
    make_xlsx,
    make_zip,
)
from tests.test_extraction_ole_formats import make_compound_file, make_msg, make_xls

OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."


@dataclass(frozen=True)
class Sample:
    name: str
    content_type: str
    data: bytes
    word: str | None  # found in the extracted text; None when the file has no text

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def word_for(tag: str, kind: str) -> str:
    """A made-up word no dictionary, file name or header contains: ``mailpdfquix``."""
    return f"{tag}{kind}quix"


def png_image() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def mail_with_attachment(subject: str, word: str, nested: Sample) -> bytes:
    """An RFC 5322 mail whose body says ``word`` and which carries ``nested`` as a file."""
    message = EmailMessage()
    message["From"] = "Dana Field <dana@fabrikam.example>"
    message["To"] = "team@fabrikam.example"
    message["Subject"] = subject
    message["Date"] = "Tue, 07 May 2024 10:00:00 +0000"
    message.set_content(f"The forwarded minutes mention {word} twice.")
    maintype, subtype = nested.content_type.split("/", 1)
    message.add_attachment(nested.data, maintype=maintype, subtype=subtype, filename=nested.name)
    return message.as_bytes()


def nested_sample(tag: str) -> Sample:
    """The file inside the mail that is attached to another item."""
    word = word_for(tag, "nested")
    return Sample(f"{tag}-minutes.txt", "text/plain", f"Minutes: {word} agreed.\n".encode(), word)


def samples(tag: str) -> list[Sample]:
    """Every format the extraction reads, plus an image and an executable that carry no text."""

    def w(kind: str) -> str:
        return word_for(tag, kind)

    nested = nested_sample(tag)
    files = [
        Sample(
            f"{tag}-report.pdf", "application/pdf", make_pdf(f"Field notes on {w('pdf')}"), w("pdf")
        ),
        Sample(
            f"{tag}-report.docx",
            OOXML + "wordprocessingml.document",
            make_docx(w("docx")),
            w("docx"),
        ),
        Sample(
            f"{tag}-budget.xlsx", OOXML + "spreadsheetml.sheet", make_xlsx(w("xlsx")), w("xlsx")
        ),
        Sample(f"{tag}-budget.xls", "application/vnd.ms-excel", make_xls(w("xls")), w("xls")),
        Sample(f"{tag}-table.csv", "text/csv", f"name,value\n{w('csv')},3\n".encode(), w("csv")),
        Sample(
            f"{tag}-slides.pptx",
            OOXML + "presentationml.presentation",
            make_pptx(w("pptx")),
            w("pptx"),
        ),
        Sample(f"{tag}-text.odt", ODF + "text", make_odf("odt", w("odt")), w("odt")),
        Sample(f"{tag}-sheet.ods", ODF + "spreadsheet", make_odf("ods", w("ods")), w("ods")),
        Sample(f"{tag}-deck.odp", ODF + "presentation", make_odf("odp", w("odp")), w("odp")),
        Sample(
            f"{tag}-letter.rtf",
            "application/rtf",
            (
                r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard "
                rf"Dear {w('rtf')},\par Regards\par}}"
            ).encode("ascii"),
            w("rtf"),
        ),
        Sample(
            f"{tag}-page.html",
            "text/html",
            f"<html><body><p>Visit <b>{w('html')}</b></p></body></html>".encode(),
            w("html"),
        ),
        Sample(f"{tag}-notes.txt", "text/plain", f"plain {w('txt')} text\n".encode(), w("txt")),
        Sample(
            f"{tag}-readme.md", "text/markdown", f"# Title\n\n* item {w('md')}\n".encode(), w("md")
        ),
        Sample(
            f"{tag}-data.json",
            "application/json",
            json.dumps({"items": [{"name": w("json"), "n": 1}]}).encode(),
            w("json"),
        ),
        Sample(
            f"{tag}-data.xml",
            "application/xml",
            f"<?xml version='1.0'?><root><item>{w('xml')}</item></root>".encode(),
            w("xml"),
        ),
        Sample(
            f"{tag}-meeting.ics",
            "text/calendar",
            (
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Fabrikam//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:{tag}-inner-1\r\nDTSTAMP:20240501T090000Z\r\n"
                f"SUMMARY:Visit to the {w('ics')} museum\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            ).encode(),
            w("ics"),
        ),
        Sample(
            f"{tag}-card.vcf",
            "text/vcard",
            (
                f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{w('vcf')} Smith\r\nN:Smith;{w('vcf')};;;\r\n"
                "EMAIL;TYPE=work:q@fabrikam.example\r\nEND:VCARD\r\n"
            ).encode(),
            w("vcf"),
        ),
        Sample(
            f"{tag}-forwarded.eml",
            "message/rfc822",
            mail_with_attachment(f"Forwarded minutes {tag}", w("eml"), nested),
            w("eml"),
        ),
        Sample(
            f"{tag}-trip.msg",
            "application/vnd.ms-outlook",
            make_msg("Trip plan", f"Body about {w('msg')} fossils"),
            w("msg"),
        ),
        Sample(f"{tag}-bundle.zip", "application/zip", make_zip(w("zip")), w("zip")),
        Sample(f"{tag}-photo.png", "image/png", png_image(), None),
        Sample(
            f"{tag}-setup.exe",
            "application/x-msdownload",
            b"MZ\x90\x00" + bytes(range(256)) * 4,
            None,
        ),
    ]
    names = [f.name for f in files]
    assert len(set(names)) == len(names)
    return files


def encrypted_pdf(text: str) -> bytes:
    """A PDF that opens only with a user password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(text))))
    writer.encrypt(user_password="user-secret", owner_password="owner-secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_office() -> bytes:
    """What Office writes for a password-protected .docx: an OLE file with the encrypted package."""
    return make_compound_file(
        {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 196, "EncryptedPackage": b"\0" * 5000}
    )


def damaged_samples(tag: str) -> list[Sample]:
    """Corrupt and password-protected files: they give a reason, never text."""
    pdf = make_pdf(f"Field notes on {word_for(tag, 'brokenpdf')}")
    docx = make_docx(word_for(tag, "brokendocx"))
    return [
        Sample(
            f"{tag}-truncated.docx",
            OOXML + "wordprocessingml.document",
            docx[: len(docx) // 3],
            None,
        ),
        Sample(f"{tag}-garbled.pdf", "application/pdf", pdf[:20] + b"\x00\xff" * 200, None),
        Sample(
            f"{tag}-locked.pdf",
            "application/pdf",
            encrypted_pdf(f"Secret {word_for(tag, 'lockedpdf')}"),
            None,
        ),
        Sample(f"{tag}-locked.docx", OOXML + "wordprocessingml.document", encrypted_office(), None),
    ]
