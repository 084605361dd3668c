"""Each supported format, generated here with a distinctive word, comes back as text."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from outlook_connector.extraction import Extractor

WORD = "Quetzalcoatlus"


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor() as instance:
        yield instance


def make_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing text in Helvetica, with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx(word: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("An ordinary opening paragraph.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 1).text = word
    document.sections[0].header.paragraphs[0].text = "Header of the report"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(word: str) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Total"
    sheet["C7"] = word
    sheet["D9"] = 42
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_pptx(word: str) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Quarterly review"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    box.text_frame.text = word
    slide.notes_slide.notes_text_frame.text = "speaker notes here"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_odf(kind: str, word: str) -> bytes:
    from odf.opendocument import (
        OpenDocumentPresentation,
        OpenDocumentSpreadsheet,
        OpenDocumentText,
    )
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    if kind == "odt":
        document = OpenDocumentText()
        document.text.addElement(P(text=f"Findings about {word} today"))
    elif kind == "ods":
        document = OpenDocumentSpreadsheet()
        table = Table(name="Sheet1")
        row = TableRow()
        cell = TableCell()
        cell.addElement(P(text=word))
        row.addElement(cell)
        table.addElement(row)
        document.spreadsheet.addElement(table)
    else:
        from odf.draw import Frame, Page, TextBox
        from odf.style import MasterPage, PageLayout

        document = OpenDocumentPresentation()
        layout = PageLayout(name="layout")
        document.automaticstyles.addElement(layout)
        master = MasterPage(name="master", pagelayoutname=layout)
        document.masterstyles.addElement(master)
        page = Page(masterpagename=master)
        frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=word))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def make_eml(word: str) -> bytes:
    message = EmailMessage()
    message["Subject"] = "Status report"
    message["From"] = "Ada <ada@example.com>"
    message["To"] = "bob@example.com"
    message.set_content(f"Body mentions {word}.")
    message.add_attachment(b"attached notes", maintype="text", subtype="plain",
                           filename="notes.txt")
    return message.as_bytes()


def make_zip(word: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"reports/{word}.txt", "member content is never read")
    return buffer.getvalue()


SAMPLES = {
    "report.pdf": lambda: make_pdf(f"Field notes on {WORD}"),
    "report.docx": lambda: make_docx(WORD),
    "budget.xlsx": lambda: make_xlsx(WORD),
    "slides.pptx": lambda: make_pptx(WORD),
    "text.odt": lambda: make_odf("odt", WORD),
    "sheet.ods": lambda: make_odf("ods", WORD),
    "deck.odp": lambda: make_odf("odp", WORD),
    "letter.rtf": lambda: (r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard "
                           rf"Dear {WORD},\par Regards \'e9t\'e9\par}}").encode("ascii"),
    "page.html": lambda: (f"<html><head><title>T</title><style>.x{{color:red}}</style>"
                          f"<script>var hidden = 'scriptword';</script></head>"
                          f"<body><p>Visit <b>{WORD}</b></p></body></html>").encode(),
    "notes.txt": lambda: f"plain {WORD} text\n".encode(),
    "readme.md": lambda: f"# Title\n\n* item {WORD}\n".encode(),
    "table.csv": lambda: f"name,value\n{WORD},3\n".encode(),
    "data.json": lambda: json.dumps({"items": [{"name": WORD, "n": 1}]}).encode(),
    "data.xml": lambda: f"<?xml version='1.0'?><root><item a='x'>{WORD}</item></root>".encode(),
    "meeting.ics": lambda: ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n"
                            f"SUMMARY:Visit to the {WORD[:6]}\r\n {WORD[6:]} museum\r\n"
                            "LOCATION:Room 4\\, floor 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                            ).encode(),
    "card.vcf": lambda: (f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{WORD} Smith\r\n"
                         "EMAIL;TYPE=work:q@example.com\r\nEND:VCARD\r\n").encode(),
    "mail.eml": lambda: make_eml(WORD),
    "bundle.zip": lambda: make_zip(WORD),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_distinctive_word_is_found(extractor: Extractor, name: str) -> None:
    result = extractor.extract(name, None, SAMPLES[name]())
    assert result.text is not None, result.reason
    assert WORD in result.text
    assert result.reason is None


def test_html_drops_scripts_and_styles(extractor: Extractor) -> None:
    text = extractor.extract("page.html", "text/html", SAMPLES["page.html"]()).text or ""
    assert "scriptword" not in text
    assert "color:red" not in text


def test_rtf_escapes_become_accented_letters(extractor: Extractor) -> None:
    text = extractor.extract("letter.rtf", None, SAMPLES["letter.rtf"]()).text or ""
    assert "été" in text


def test_ics_folded_lines_and_escapes_are_undone(extractor: Extractor) -> None:
    text = extractor.extract("meeting.ics", None, SAMPLES["meeting.ics"]()).text or ""
    assert f"Summary: Visit to the {WORD} museum" in text
    assert "Location: Room 4, floor 2" in text


def test_docx_header_and_table_cell_are_read(extractor: Extractor) -> None:
    text = extractor.extract("report.docx", None, SAMPLES["report.docx"]()).text or ""
    assert "Header of the report" in text
    assert "An ordinary opening paragraph." in text


def test_pptx_notes_are_read(extractor: Extractor) -> None:
    text = extractor.extract("slides.pptx", None, SAMPLES["slides.pptx"]()).text or ""
    assert "speaker notes here" in text


def test_eml_headers_body_and_nested_attachment(extractor: Extractor) -> None:
    result = extractor.extract("mail.eml", "message/rfc822", SAMPLES["mail.eml"]())
    assert "Subject: Status report" in (result.text or "")
    assert "attached notes" not in (result.text or "")
    assert [(n.name, n.content_type, n.data, n.depth) for n in result.nested] == [
        ("notes.txt", "text/plain", b"attached notes", 1)
    ]


def test_zip_members_are_listed_not_extracted(extractor: Extractor) -> None:
    text = extractor.extract("bundle.zip", None, SAMPLES["bundle.zip"]()).text or ""
    assert f"reports/{WORD}.txt" in text
    assert "never read" not in text


def test_image_gives_reason_not_text(extractor: Extractor) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    result = extractor.extract("photo.png", "image/png", png)
    assert result.text is None
    assert result.reason and "PNG" in result.reason


def test_legacy_doc_gives_clear_reason(extractor: Extractor) -> None:
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    result = extractor.extract("old.doc", "application/msword", ole_header)
    assert result.text is None
    assert result.reason == "legacy Word .doc is not supported"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (f"caf\u00e9 {WORD}".encode("utf-16"), f"caf\u00e9 {WORD}"),
        (f"caf\u00e9 {WORD}".encode("utf-8-sig"), f"caf\u00e9 {WORD}"),
        (f"na\u00efve \u20ac {WORD}".encode("cp1252"), f"na\u00efve \u20ac {WORD}"),
        (b"\x81\x8d raw " + WORD.encode(), f"\x81\x8d raw {WORD}"),
        (f"{WORD} utf16 no bom".encode("utf-16-le"), f"{WORD} utf16 no bom"),
    ],
)
def test_text_decoding_falls_back_without_failing(
    extractor: Extractor, data: bytes, expected: str
) -> None:
    result = extractor.extract("notes.txt", "text/plain", data)
    assert result.text == expected


def test_magic_bytes_win_over_a_wrong_name(extractor: Extractor) -> None:
    pdf = make_pdf(f"Field notes on {WORD}")
    result = extractor.extract("report.docx", "application/msword", pdf)
    assert WORD in (result.text or "")


def test_office_file_with_unknown_name_is_recognised(extractor: Extractor) -> None:
    result = extractor.extract("ATT00001.bin", "application/octet-stream", make_docx(WORD))
    assert WORD in (result.text or "")


def test_mail_with_no_name_is_sniffed(extractor: Extractor) -> None:
    result = extractor.extract("attachment", None, make_eml(WORD))
    assert "Subject: Status report" in (result.text or "")


def test_outlook_vcard_quoted_printable_is_decoded(extractor: Extractor) -> None:
    card = ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ann Lee\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-8:Caf=C3=A9 with =0D=0A=\r\n"
            f"{WORD} inside\r\nEND:VCARD\r\n").encode("ascii")
    text = extractor.extract("contact.vcf", "text/x-vcard", card).text or ""
    assert f"Note: Café with\n{WORD} inside" in text


def test_winmail_dat_gives_a_specific_reason(extractor: Extractor) -> None:
    tnef = b"\x78\x9f\x3e\x22" + b"\x00" * 64
    result = extractor.extract("winmail.dat", "application/octet-stream", tnef)
    assert result.text is None
    assert result.reason == "Outlook TNEF (winmail.dat) attachments are not supported"


@pytest.mark.parametrize(
    "text",
    [
        f"BMW quarterly figures for {WORD}\n",
        f"MZ Holdings minutes: {WORD}\n",
        f"ID3 tags explained, {WORD}\n",
        f"Please find the file (it starts with %PDF-1.7) about {WORD}\n",
    ],
)
def test_text_that_starts_like_a_signature_stays_text(extractor: Extractor, text: str) -> None:
    result = extractor.extract("notes.txt", "text/plain", text.encode())
    assert result.text == text.strip()


def _mail_with(attachment: EmailMessage | None, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content(f"body of {subject}")
    if attachment is not None:
        message.add_attachment(attachment)  # message/rfc822
    else:
        message.add_attachment(f"innermost {WORD}".encode(), maintype="text",
                               subtype="plain", filename="deep.txt")
    return message


def test_nested_mails_are_unpacked_level_by_level_up_to_max_depth() -> None:
    from outlook_connector.extraction import ExtractionLimits

    innermost = _mail_with(None, "level two")
    outer = _mail_with(_mail_with(innermost, "level one"), "level zero")
    with Extractor(ExtractionLimits(max_depth=2)) as extractor:
        top = extractor.extract("outer.eml", "message/rfc822", outer.as_bytes())
        assert [(n.content_type, n.depth) for n in top.nested] == [("message/rfc822", 1)]
        assert "level one" not in (top.text or "")

        one = top.nested[0]
        middle = extractor.extract(one.name, one.content_type, one.data, depth=one.depth)
        assert "Subject: level one" in (middle.text or "")
        assert [(n.content_type, n.depth) for n in middle.nested] == [("message/rfc822", 2)]

        two = middle.nested[0]
        deepest = extractor.extract(two.name, two.content_type, two.data, depth=two.depth)
        assert "Subject: level two" in (deepest.text or "")
        assert deepest.nested == []
        assert deepest.reason == "attachments nested deeper than 2 levels were skipped"


def test_sparse_xlsx_with_a_far_corner_cell_is_read_quickly() -> None:
    """Cells at A1 and XFD1048576 must not be read as a million rows of 16,384 columns."""
    import openpyxl

    from outlook_connector.extraction import ExtractionLimits

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = WORD
    sheet["XFD1048576"] = "corner"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with Extractor(ExtractionLimits(timeout_seconds=10)) as extractor:
        result = extractor.extract("sparse.xlsx", None, buffer.getvalue())
    assert result.text is not None, result.reason
    assert WORD in result.text
    assert "corner" in result.text


def test_docx_comments_are_read(extractor: Extractor) -> None:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("Reviewed paragraph.")
    document.add_comment(paragraph.runs, text=f"Reviewer asks about {WORD}", author="Rev")
    buffer = io.BytesIO()
    document.save(buffer)
    text = extractor.extract("reviewed.docx", None, buffer.getvalue()).text or ""
    assert "Reviewed paragraph." in text
    assert f"Reviewer asks about {WORD}" in text


def _encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(f"Secret {WORD}"))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_password_protected_pdf_gives_a_reason(extractor: Extractor) -> None:
    result = extractor.extract("secret.pdf", None, _encrypted_pdf("user-secret"))
    assert (result.text, result.reason) == (None, "PDF is password-protected")


def test_pdf_restricted_only_by_an_owner_password_is_read(extractor: Extractor) -> None:
    result = extractor.extract("restricted.pdf", None, _encrypted_pdf(""))
    assert WORD in (result.text or "")


def test_rtf_with_a_large_embedded_picture_is_read_quickly() -> None:
    import time

    from outlook_connector.extraction import ExtractionLimits

    picture = "{\\pict{\\*\\picprop{\\sp{\\sn shapeType}}}\\pngblip " + "89ab" * 2_200_000 + "}"
    rtf = "{\\rtf1\\ansi Before " + picture + f" after {WORD}\\par}}"
    with Extractor(ExtractionLimits(timeout_seconds=20)) as extractor:
        extractor.extract("warm-up.rtf", None, b"{\\rtf1 warm}")  # worker started and ready
        started = time.monotonic()
        result = extractor.extract("picture.rtf", None, rtf.encode("ascii"))
        assert time.monotonic() - started < 5
    assert result.text == f"Before  after {WORD}"


def make_epub(chapters: dict[str, str], spine: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", (
            "<?xml version='1.0'?><container version='1.0' "
            "xmlns='urn:oasis:names:tc:opendocument:xmlns:container'><rootfiles>"
            "<rootfile full-path='OEBPS/book.opf' media-type='application/oebps-package+xml'/>"
            "</rootfiles></container>"))
        items = "".join(f"<item id='{n}' href='{n}.xhtml' media-type='application/xhtml+xml'/>"
                        for n in chapters)
        refs = "".join(f"<itemref idref='{n}'/>" for n in spine)
        archive.writestr("OEBPS/book.opf", (
            "<?xml version='1.0'?><package xmlns='http://www.idpf.org/2007/opf' version='3.0'>"
            f"<manifest>{items}</manifest><spine>{refs}</spine></package>"))
        for name, body in chapters.items():
            archive.writestr(f"OEBPS/{name}.xhtml",
                             f"<html><body><p>{body}</p><script>x()</script></body></html>")
    return buffer.getvalue()


def test_epub_chapters_come_in_spine_order(extractor: Extractor) -> None:
    book = make_epub({"a-ending": f"The end of {WORD}", "b-opening": "Once upon a time"},
                     spine=["b-opening", "a-ending"])
    result = extractor.extract("book.bin", None, book)
    assert result.text == f"Once upon a time\nThe end of {WORD}"


def test_meeting_invitation_in_a_mail_is_read_as_calendar_fields(extractor: Extractor) -> None:
    message = EmailMessage()
    message["Subject"] = "Invitation"
    message.set_content("You are invited.")
    message.add_alternative("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Review with "
                            f"{WORD}\r\nLOCATION:Room 7\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                            subtype="calendar")
    message.make_mixed()
    text = extractor.extract("invite.eml", None, message.as_bytes()).text or ""
    assert "You are invited." in text
    assert f"Summary: Review with {WORD}" in text
    assert "BEGIN:VEVENT" not in text


def test_drm_protected_epub_gives_a_reason(extractor: Extractor) -> None:
    book = io.BytesIO(make_epub({"one": WORD}, spine=["one"]))
    with zipfile.ZipFile(book, "a") as archive:
        archive.writestr("META-INF/encryption.xml", (
            "<encryption xmlns='urn:oasis:names:tc:opendocument:xmlns:container' "
            "xmlns:enc='http://www.w3.org/2001/04/xmlenc#'><enc:EncryptedData>"
            "<enc:CipherData><enc:CipherReference URI='OEBPS/one.xhtml'/></enc:CipherData>"
            "</enc:EncryptedData></encryption>"))
    result = extractor.extract("locked.epub", None, book.getvalue())
    assert (result.text, result.reason) == (None, "EPUB e-book is DRM-protected")
