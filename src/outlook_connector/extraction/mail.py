"""RFC 5322 mails (.eml): headers and body text; attachments handed back as nested files."""

from __future__ import annotations

from email import policy
from email.message import Message

from outlook_connector.extraction.context import ExtractionContext
from outlook_connector.extraction.decode import decode_text
from outlook_connector.extraction.icalvcard import extract_ics
from outlook_connector.extraction.markup import html_to_text

HEADERS = ("Subject", "From", "To", "Cc", "Date")


def extract_eml(data: bytes, ctx: ExtractionContext) -> None:
    from email import message_from_bytes

    message = message_from_bytes(data, policy=policy.default)
    _emit_headers(message, ctx)
    bodies: list[Message] = []
    attachments: list[Message] = []
    _split_parts(message, bodies, attachments)
    for part in bodies:
        if part.get_content_type() == "text/calendar":
            # a meeting invitation: its readable fields, not raw iCalendar lines
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                extract_ics(payload, ctx)
        else:
            ctx.emit_line(_part_text(part))
    for number, part in enumerate(attachments, 1):
        _add_attachment(part, number, ctx)


def _emit_headers(message: Message, ctx: ExtractionContext) -> None:
    for name in HEADERS:
        value = _header(message, name)
        if value:
            ctx.emit_line(f"{name}: {value}")
    ctx.emit("\n")


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name) or "")
    except Exception:  # the header parser gave up on a malformed value: index it raw
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                return str(raw)
    return ""


def _split_parts(part: Message, bodies: list[Message], attachments: list[Message]) -> None:
    """Sort leaf parts into body text and attachments, without entering attached mails."""
    if part.get_content_type() == "message/rfc822":
        attachments.append(part)
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
        if part.get_content_type() == "multipart/alternative":
            children = _preferred_alternative(children)
        for child in children:
            _split_parts(child, bodies, attachments)
        return
    if _is_attached(part) or part.get_content_maintype() != "text":
        attachments.append(part)
    else:
        bodies.append(part)


def _is_attached(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(part.get_filename()) or (
        part.get_content_type() == "message/rfc822"
    )


def _preferred_alternative(children: list[Message]) -> list[Message]:
    """One alternative of a multipart/alternative: plain text first, then HTML, then the last.

    A calendar alternative (a meeting invitation) is kept as well: it holds the
    place and time that the text versions often leave out.
    """
    calendars = [c for c in children if c.get_content_type() == "text/calendar"]
    for wanted in ("text/plain", "text/html"):
        for child in children:
            if child.get_content_type() == wanted and not _is_attached(child):
                return [child, *calendars]
    fallback = children[-1:]
    return fallback + [c for c in calendars if c not in fallback]


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    text = decode_text(payload, _known_charset(charset))
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text


def _known_charset(charset: str | None) -> str | None:
    import codecs

    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _add_attachment(part: Message, number: int, ctx: ExtractionContext) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(message, Message):
            return
        data = message.as_bytes(policy=policy.default.clone(max_line_length=0))
        subject = _header(message, "Subject").strip()
        ctx.add_nested(_safe_name(part.get_filename() or f"{subject or 'message'}.eml"),
                       content_type, data)
        return
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        name = part.get_filename() or f"attachment-{number}"
        ctx.add_nested(_safe_name(name), content_type, payload)


def _safe_name(name: str) -> str:
    return str(name).replace("\r", " ").replace("\n", " ").strip() or "attachment"

