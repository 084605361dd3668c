"""The formats supported out of the box."""

from __future__ import annotations

from functools import partial

from outlook_connector.extraction import (
    archive,
    binary,
    ebook,
    icalvcard,
    mail,
    markup,
    ole,
    ooxml,
    opendocument,
    outlookmsg,
    pdf,
    plain,
    rtf,
    spreadsheet,
)
from outlook_connector.extraction.registry import FormatRegistry, FormatSpec

_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."


def _unsupported(name: str, label: str, reason: str, extensions: tuple[str, ...],
                 content_types: tuple[str, ...] = (), family: str | None = None) -> FormatSpec:
    return FormatSpec(name, label, partial(binary.unsupported, reason), extensions,
                      content_types, family, extractable=False, unsupported_reason=reason)


def _builtin_specs() -> list[FormatSpec]:
    return [
        FormatSpec("text", "plain text", plain.extract_text,
                   ("txt", "text", "log", "ini", "cfg", "conf", "py", "rst", "sh", "rb", "aspx",
                    "paper", "tex", "yaml", "yml", "sql", "js", "css", "java", "c", "h"),
                   ("text/plain",)),
        FormatSpec("markdown", "Markdown", plain.extract_text, ("md", "markdown"),
                   ("text/markdown", "text/x-markdown")),
        FormatSpec("csv", "CSV table", plain.extract_text, ("csv", "tsv", "psv", "tab"),
                   ("text/csv", "text/tab-separated-values", "application/csv")),
        FormatSpec("json", "JSON", plain.extract_json, ("json",), ("application/json",)),
        FormatSpec("html", "HTML", markup.extract_html, ("html", "htm", "xhtml"),
                   ("text/html", "application/xhtml+xml")),
        FormatSpec("xml", "XML document", markup.extract_xml, ("xml", "svg"),
                   ("application/xml", "text/xml", "image/svg+xml")),
        FormatSpec("rtf", "RTF document", rtf.extract_rtf, ("rtf",),
                   ("application/rtf", "text/rtf"), family="rtf"),
        FormatSpec("pdf", "PDF", pdf.extract_pdf, ("pdf",), ("application/pdf",), family="pdf"),
        FormatSpec("docx", "Word document (.docx)", ooxml.extract_docx, ("docx", "docm", "dotx"),
                   (_OOXML + "wordprocessingml.document",
                    "application/vnd.ms-word.document.macroenabled.12"), family="zip"),
        FormatSpec("pptx", "PowerPoint presentation (.pptx)", ooxml.extract_pptx,
                   ("pptx", "pptm", "potx", "ppsx"),
                   (_OOXML + "presentationml.presentation",
                    "application/vnd.ms-powerpoint.presentation.macroenabled.12"), family="zip"),
        FormatSpec("xlsx", "Excel workbook (.xlsx)", spreadsheet.extract_xlsx,
                   ("xlsx", "xlsm", "xltx"),
                   (_OOXML + "spreadsheetml.sheet",
                    "application/vnd.ms-excel.sheet.macroenabled.12"), family="zip"),
        FormatSpec("xls", "Excel 97-2003 workbook (.xls)", spreadsheet.extract_xls, ("xls",),
                   ("application/vnd.ms-excel",), family="ole"),
        FormatSpec("odt", "OpenDocument text (.odt)", opendocument.extract_odt, ("odt", "ott"),
                   (_ODF + "text",), family="zip"),
        FormatSpec("ods", "OpenDocument spreadsheet (.ods)", opendocument.extract_ods,
                   ("ods", "ots"), (_ODF + "spreadsheet",), family="zip"),
        FormatSpec("odp", "OpenDocument presentation (.odp)", opendocument.extract_odp,
                   ("odp", "otp"), (_ODF + "presentation",), family="zip"),
        FormatSpec("ics", "iCalendar file", icalvcard.extract_ics, ("ics", "ical", "ifb"),
                   ("text/calendar",)),
        FormatSpec("vcf", "vCard", icalvcard.extract_vcf, ("vcf", "vcard"),
                   ("text/vcard", "text/x-vcard", "text/directory")),
        FormatSpec("eml", "e-mail message (.eml)", mail.extract_eml, ("eml", "mht", "mhtml"),
                   ("message/rfc822",)),
        FormatSpec("msg", outlookmsg.LABEL, outlookmsg.extract_msg, ("msg", "oft"),
                   ("application/vnd.ms-outlook", "application/x-msg"), family="ole"),
        FormatSpec("zip", "ZIP archive", archive.extract_zip_listing, ("zip",),
                   ("application/zip", "application/x-zip-compressed", "application/x-zip"),
                   family="zip", resolver=archive.resolve_zip),
        FormatSpec("ole", "OLE compound file", ole.extract_unknown_ole, (), (),
                   family="ole", resolver=ole.resolve_ole),
        FormatSpec("encrypted-office", "encrypted Office document", ole.extract_encrypted_office,
                   (), (), family="ole", extractable=False),
        FormatSpec("image", "image", binary.extract_image,
                   ("png", "jpg", "jpeg", "gif", "tif", "tiff", "bmp", "webp", "ico", "heic"),
                   ("image/png", "image/jpeg", "image/gif", "image/tiff", "image/bmp",
                    "image/webp"), family="image", extractable=False,
                   unsupported_reason="images have no text (images are not OCRed)"),
        _unsupported("doc", "legacy Word document (.doc)", "legacy Word .doc is not supported",
                     ("doc", "dot"), ("application/msword",), family="ole"),
        _unsupported("ppt", "legacy PowerPoint presentation (.ppt)",
                     "legacy PowerPoint .ppt is not supported", ("ppt", "pps", "pot"),
                     ("application/vnd.ms-powerpoint",), family="ole"),
        _unsupported("media", "audio or video", "audio and video files have no extractable text",
                     ("mp3", "wav", "ogg", "oga", "m4a", "flac", "mp4", "m4v", "mov", "avi",
                      "mkv", "webm", "wma", "wmv"), (), family="media"),
        _unsupported("postscript", "PostScript", "PostScript is not supported", ("ps", "eps"),
                     ("application/postscript",), family="postscript"),
        FormatSpec("epub", ebook.LABEL, ebook.extract_epub, ("epub",), ("application/epub+zip",),
                   family="zip"),
        _unsupported("archive", "compressed archive",
                     "compressed archives other than ZIP are not supported",
                     ("gz", "tgz", "7z", "rar", "bz2", "xz", "tar", "cab"),
                     ("application/gzip", "application/x-7z-compressed",
                      "application/vnd.rar", "application/x-tar"), family="archive"),
        _unsupported("executable", "executable", "executables and libraries have no text",
                     ("exe", "dll", "so", "msi", "iso", "dmg"),
                     ("application/x-msdownload",), family="executable"),
        _unsupported("tnef", "Outlook TNEF (winmail.dat)",
                     "Outlook TNEF (winmail.dat) attachments are not supported", ("tnef",),
                     ("application/ms-tnef", "application/vnd.ms-tnef"), family="tnef"),
        _unsupported("binary", "binary file", "binary file of an unrecognised format", (), ()),
    ]


def default_registry() -> FormatRegistry:
    """A fresh registry of the built-in formats; callers may register more on it."""
    return FormatRegistry(_builtin_specs())
