"""Outlook items saved as .msg (mails, meetings, contacts, tasks) through extract-msg."""

from __future__ import annotations

from typing import Any

from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed
from outlook_connector.extraction.markup import html_to_text
from outlook_connector.extraction.rtf import rtf_to_text

LABEL = "Outlook item (.msg)"
# Labels and extract-msg attributes; each item class has only some of them.
_FIELDS = (
    ("Subject", "subject"),
    ("From", "sender"),
    ("To", "to"),
    ("Cc", "cc"),
    ("Date", "date"),
    ("Location", "location"),
    ("Start", "startDate"),
    ("End", "endDate"),
    ("Name", "displayName"),
    ("Company", "companyName"),
    ("Department", "departmentName"),
    ("Job title", "jobTitle"),
    ("Email", "email1EmailAddress"),
    ("Email", "email2EmailAddress"),
    ("Email", "email3EmailAddress"),
    ("Business phone", "businessTelephoneNumber"),
    ("Mobile phone", "mobileTelephoneNumber"),
    ("Home phone", "homeTelephoneNumber"),
    ("Business address", "workAddress"),
    ("Home address", "homeAddress"),
    ("Due", "taskDueDate"),
    ("Status", "taskStatus"),
)
_ENCRYPTED_TYPES = ("application/pgp-encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime")


# Internet code pages (PR_INTERNET_CPID) whose 8-bit strings Outlook stores in another,
# Windows, code page.
_WINDOWS_CODEPAGE = {
    50220: 932, 50221: 932, 50222: 932, 51932: 932,  # Japanese
    52936: 936, 54936: 936, 20936: 936,  # Simplified Chinese
    51949: 949, 20949: 949,  # Korean
    20127: 1252, 28591: 1252, 28605: 1252, 65001: 1252,  # Western
    28592: 1250, 28595: 1251, 20866: 1251, 21866: 1251, 28597: 1253, 28599: 1254,
    28598: 1255, 38598: 1255, 28596: 1256, 28594: 1257, 28603: 1257,
}


def _open(data: bytes) -> Any:
    import extract_msg as library

    try:
        message = library.openMsg(data, strict=False, errorBehavior=_lenient(library))
        encoding = _ansi_encoding(message)
        if encoding and encoding != message.stringEncoding:
            message.close()
            message = library.openMsg(data, strict=False, errorBehavior=_lenient(library),
                                      overrideEncoding=encoding)
    except ExtractionFailed:
        raise
    except Exception as exc:  # extract-msg raises many unrelated types for damaged files
        raise ExtractionFailed(f"{LABEL} is corrupt or unsupported: {exc}") from exc
    return message


def _ansi_encoding(message: Any) -> str | None:
    """The code page of a non-Unicode item's 8-bit strings, which extract-msg may not guess."""
    import codecs

    if _safe(lambda: message.areStringsUnicode) is not False:
        return None
    props = message.props
    if "3FFD0003" in props:  # PR_MESSAGE_CODEPAGE names it directly
        codepage = props["3FFD0003"].value
    elif "3FDE0003" in props:  # PR_INTERNET_CPID, mapped to its Windows code page
        internet = props["3FDE0003"].value
        codepage = _WINDOWS_CODEPAGE.get(internet, internet)
    else:
        return None
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return None


def extract_msg(data: bytes, ctx: ExtractionContext) -> None:
    message = _open(data)
    try:
        _emit_fields(message, ctx)
        body = _body(message)
        ctx.emit_line(body)
        attachments = list(getattr(message, "attachments", []) or [])
        if not body.strip() and any(_mimetype(a) in _ENCRYPTED_TYPES for a in attachments):
            ctx.notes.append(f"{LABEL} body is encrypted (S/MIME or PGP)")
        for number, attachment in enumerate(attachments, 1):
            _add_attachment(attachment, number, ctx)
    finally:
        message.close()


def _lenient(library: Any) -> Any:
    """Ask extract-msg to carry on past broken attachments and standards violations."""
    flags = library.enums.ErrorBehavior
    return (
        flags.ATTACH_SUPPRESS_ALL
        | flags.RTFDE
        | flags.STANDARDS_VIOLATION
        | flags.NAMED_NAME_STREAM
    )


def _safe(getter: Any) -> Any:
    try:
        return getter()
    except Exception:  # one unreadable property must not cost the rest of the item
        return None


def _emit_fields(message: Any, ctx: ExtractionContext) -> None:
    for label, attribute in _FIELDS:
        value = _safe(lambda attribute=attribute: getattr(message, attribute, None))
        if value:
            ctx.emit_line(f"{label}: {value}")
    ctx.emit("\n")


def _body(message: Any) -> str:
    body = _safe(lambda: message.body)
    if isinstance(body, str) and body.strip():
        return body
    html = _safe(lambda: message.htmlBody)
    if isinstance(html, bytes) and html.strip():
        return html_to_text(html.decode("utf-8", "replace"))
    rtf = _safe(lambda: message.rtfBody)
    if isinstance(rtf, bytes) and rtf.strip():
        return rtf_to_text(rtf.decode("latin-1"))
    return ""


def _mimetype(attachment: Any) -> str | None:
    value = _safe(lambda: attachment.mimetype)
    return value.lower() if isinstance(value, str) else None


def _add_attachment(attachment: Any, number: int, ctx: ExtractionContext) -> None:
    data = _safe(lambda: attachment.data)
    name = _safe(attachment.getFilename) or f"attachment-{number}"
    if isinstance(data, bytes):
        ctx.add_nested(str(name), _mimetype(attachment), data)
        return
    exported = _safe(lambda: data.exportBytes()) if data is not None else None
    if isinstance(exported, bytes):
        if not str(name).lower().endswith(".msg"):
            name = f"{name}.msg"
        ctx.add_nested(str(name), "application/vnd.ms-outlook", exported)
