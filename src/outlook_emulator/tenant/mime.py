"""RFC 5322 / MIME files (.eml) as Exchange messages.

Parsing uses the stdlib ``email`` package with the ``compat32`` policy and
decodes headers here: the ``default`` policy's header objects cost about 15
times as much per message (2 ms against 0.12 ms), which a 100,000-item tenant
cannot afford, and they raise on some broken headers that real corpora hold.
Simple messages skip the stdlib parser altogether (mimefast.py); the result is
the same either way, which tests/emulator/test_tenant_fastpaths.py checks.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.message import Message as MimePart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Literal

from outlook_emulator.tenant import ids
from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile, as_utc, decode_text
from outlook_emulator.tenant.htmltext import html_to_text
from outlook_emulator.tenant.mimefast import Headers, Leaf, read_multipart, read_plain
from outlook_emulator.tenant.model import Attachment, EmailAddress, Message

Importance = Literal["low", "normal", "high"]

_PARSER = BytesParser(policy=policy.compat32)
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rif|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
_MSGID = re.compile(r"<[^<>\s]+>")
_SURROGATE = re.compile("[\udc80-\udcff]")
# "Name <addr>" or a bare address: most address fields, read without the general parser.
_SIMPLE_ADDRESS = re.compile(
    r"\s*(?:([^<>\",;:()\\@]*?)\s*<([^<>\s\",;]+@[^<>\s\",;]+)>|([^<>\s\",;:()]+@[^<>\s\",;:()]+))\s*"
)


def parse_message(data: bytes, ctx: ItemContext) -> Message:
    """The message in ``data``; raises UnrepresentableFile when it is not a message at all."""
    if not data.strip():
        raise UnrepresentableFile("empty file")
    clean = _without_bom(data)
    fast = _read_fast(clean)
    if fast is not None:
        hdrs, parts = fast
    else:
        mime = _PARSER.parsebytes(clean)
        if not mime.keys():
            raise UnrepresentableFile("no RFC 5322 header fields: not a mail message")
        hdrs, parts = header_map(mime), _Parts()
        _collect(mime, parts)
    return build_message(hdrs, parts, data, ctx.entry_id(0), ctx.path, ctx.folder_id, ctx.file_time)


def _read_fast(data: bytes) -> tuple[Headers, _Parts] | None:
    """Header fields and sorted parts by the fast readers, for the messages they can read."""
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a bare CR ends a line for the stdlib parser; leave such files to it
    plain = read_plain(data)
    if plain is not None:
        return plain[0], _Parts(text=[plain[1]])
    tree = read_multipart(data)
    if tree is None:
        return None
    hdrs, units = tree
    parts = _Parts()
    for unit in units:
        if isinstance(unit, Leaf):
            if not _sort_leaf(unit, parts):
                return None
            continue
        probes = [_Parts() for _ in unit]
        if not all(_sort_leaf(leaf, probe) for leaf, probe in zip(unit, probes, strict=True)):
            return None
        _merge_alternatives(probes, parts)
    return hdrs, parts


def _sort_leaf(leaf: Leaf, parts: _Parts) -> bool:
    """Files the leaf as _collect would; False when only the full parser can read it."""
    if _is_file(leaf.part) or leaf.content_type not in ("text/plain", "text/html"):
        parts.files.append(_PARSER.parsebytes(leaf.raw))
        return True
    text = leaf.text()
    if text is None:
        return False
    (parts.text if leaf.content_type == "text/plain" else parts.html).append(text)
    return True


def _without_bom(data: bytes) -> bytes:
    # Some exporters write a byte order mark, a few even UTF-16; RFC 5322 wants neither.
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data


def build_message(
    hdrs: Headers,
    parts: _Parts,
    data: bytes,
    item_id: str,
    path: str,
    folder_id: str,
    fallback: datetime,
) -> Message:
    """A Message from its header fields and sorted MIME parts."""
    sent = _date(header_text(hdrs, "Date"))
    received = _received_time(hdrs) or sent
    sender_from = _addresses(hdrs, "From")
    message = Message(
        id=item_id,
        path=path,
        folder_id=folder_id,
        created=received or fallback,
        last_modified=sent or fallback,
        source_bytes=data,
        subject=header_text(hdrs, "Subject") or "",
        from_=sender_from[0] if sender_from else None,
        to=_addresses(hdrs, "To"),
        cc=_addresses(hdrs, "Cc"),
        bcc=_addresses(hdrs, "Bcc"),
        reply_to=_addresses(hdrs, "Reply-To"),
        sent=sent,
        received=received,
        internet_message_id=_first_msgid(header_text(hdrs, "Message-ID")),
        in_reply_to=_first_msgid(header_text(hdrs, "In-Reply-To")),
        references=_MSGID.findall(header_text(hdrs, "References") or ""),
        importance=_importance(hdrs),
        categories=_keywords(header_text(hdrs, "Keywords")),
        is_read=_is_read(hdrs),
        item_class=_item_class(parts),
    )
    explicit_sender = _addresses(hdrs, "Sender")
    message.sender = explicit_sender[0] if explicit_sender else message.from_
    message.conversation_id = conversation_id(message)
    message.body_html = _join(parts.html)
    message.body_text = _join(parts.text) or html_to_text(message.body_html or "")
    message.attachments = [
        _attachment(part, position, message, fallback) for position, part in enumerate(parts.files)
    ]
    return message


# --- headers -----------------------------------------------------------------------------------


def header_map(mime: MimePart) -> Headers:
    """The header fields by lower-case name, read once (Message.get scans every field)."""
    hdrs: Headers = {}
    # raw_items keeps raw 8-bit bytes as surrogate escapes, which _undo_surrogates reads as
    # UTF-8 where they are; items() would turn them into replacement characters first.
    for name, value in mime.raw_items():
        hdrs.setdefault(name.lower(), []).append(str(value))
    return hdrs


def header_text(hdrs: Headers, name: str) -> str | None:
    """A header's value with RFC 2047 words decoded and folding removed; None when absent."""
    values = hdrs.get(name.lower())
    if not values:
        return None
    return _decode_words(values[0])


def _decode_words(raw: str, keep_spaces: bool = False) -> str:
    """Decode RFC 2047 words; collapse whitespace, or for a file name only unfold it.

    A file name is a quoted string whose spaces are part of the name (RFC 2045
    §5.1, RFC 2183); unfolding removes only the line breaks (RFC 5322 §2.2.3).
    """
    tidy = _unfold if keep_spaces else _collapse
    raw = _undo_surrogates(raw)
    if "=?" not in raw:
        return tidy(raw)
    try:
        chunks = decode_header(raw)
    except Exception:  # a malformed encoded word: keep the header as it stands
        return tidy(raw)
    text = "".join(
        chunk if isinstance(chunk, str) else decode_text(chunk, charset)
        for chunk, charset in chunks
    )
    return tidy(text)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _unfold(text: str) -> str:
    return text.replace("\r\n", "").replace("\n", "").replace("\r", "").strip()


def _undo_surrogates(raw: str) -> str:
    # compat32 keeps raw 8-bit header bytes as surrogate escapes; most such headers are UTF-8.
    if raw.isascii() or not _SURROGATE.search(raw):
        return raw
    return decode_text(raw.encode("ascii", "surrogateescape"), None)


def _addresses(hdrs: Headers, name: str) -> list[EmailAddress]:
    values = hdrs.get(name.lower())
    result: list[EmailAddress] = []
    if not values:
        return result
    pairs = _simple_addresses(values)
    if pairs is None:
        try:
            pairs = getaddresses([_undo_surrogates(v) for v in values])
        except Exception:  # an address list even the lenient parser cannot read
            return result
    for display, address in pairs:
        address = address.strip().lower()
        if not address:
            continue
        result.append(EmailAddress(address=address, name=_decode_words(display) or None))
    return result


def _simple_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """The (name, address) pairs of plain address lists; None when any needs the full parser."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        if "=?" in value or not value.isascii():
            return None
        for chunk in value.split(","):
            if not chunk.strip():
                continue
            match = _SIMPLE_ADDRESS.fullmatch(chunk)
            if match is None:
                return None
            display, angle, bare = match.groups()
            pairs.append((display or "", angle or bare))
    return pairs


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _received_time(hdrs: Headers) -> datetime | None:
    # The top Received field is the last hop: the time the mailbox's server took the message.
    received = hdrs.get("received") or []
    for value in received[:1]:
        _, _, stamp = str(value).rpartition(";")
        return _date(stamp.strip())
    return None


def _first_msgid(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    return found.group(0) if found else value.strip() or None


def _importance(hdrs: Headers) -> Importance:
    importance = (header_text(hdrs, "Importance") or "").strip().lower()
    if importance in ("high", "low", "normal"):
        return importance  # type: ignore[return-value]
    priority = (header_text(hdrs, "X-Priority") or "").strip()[:1]
    if priority in ("1", "2"):
        return "high"
    if priority in ("4", "5"):
        return "low"
    return "normal"


def _keywords(value: str | None) -> list[str]:
    return [word.strip() for word in (value or "").split(",") if word.strip()]


def _is_read(hdrs: Headers) -> bool:
    # mbox-style "Status: RO" marks a read message; with no Status field the message counts as read.
    status = header_text(hdrs, "Status")
    return status is None or "R" in status.upper()


def conversation_id(message: Message) -> str:
    """The same id for every message of a thread: keyed by the thread's first message."""
    root = message.references[0] if message.references else None
    key = (
        root
        or message.in_reply_to
        or message.internet_message_id
        or "subject:" + " ".join(_REPLY_PREFIX.sub("", message.subject).lower().split())
    )
    digest = hashlib.sha256(key.encode("utf-8", "replace")).digest()
    return "AAQkAD" + ids.encode(digest[:42])


# --- the MIME tree -----------------------------------------------------------------------------


@dataclass
class _Parts:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    files: list[MimePart] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


def _collect(part: MimePart, parts: _Parts) -> None:
    """Sorts the leaves of a MIME tree into body text, body HTML and attachments."""
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or _is_file(part):
        parts.files.append(part)
        return
    if ctype == "message/delivery-status":
        # compat32 parses the status into header blocks; their text is all a report needs.
        blocks = part.get_payload()
        fields = [
            f"{name}: {value}"
            for block in (blocks if isinstance(blocks, list) else [])
            if isinstance(block, MimePart)
            for name, value in block.raw_items()
        ]
        parts.reports.append("\n".join(fields))
        return
    if part.is_multipart():
        children = part.get_payload()
        if ctype == "multipart/alternative" and isinstance(children, list):
            _collect_alternative([c for c in children if isinstance(c, MimePart)], parts)
            return
        for child in children if isinstance(children, list) else []:
            if isinstance(child, MimePart):
                _collect(child, parts)
        return
    if ctype == "text/calendar":
        parts.calendar.append(_payload_text(part))
    elif ctype == "text/html":
        parts.html.append(_payload_text(part))
    elif ctype.startswith("text/") or ctype.startswith("message/"):
        parts.text.append(_payload_text(part))
    else:
        parts.files.append(part)


def _collect_alternative(children: list[MimePart], parts: _Parts) -> None:
    probes = []
    for child in children:
        probe = _Parts()
        if isinstance(child, MimePart):
            _collect(child, probe)
        probes.append(probe)
    _merge_alternatives(probes, parts)


def _merge_alternatives(probes: list[_Parts], parts: _Parts) -> None:
    # Alternatives say the same thing: keep the plainest text and the richest HTML only.
    parts.text.extend(next((p.text for p in probes if p.text), []))
    parts.html.extend(next((p.html for p in reversed(probes) if p.html), []))
    for probe in probes:
        parts.files.extend(probe.files)
        parts.calendar.extend(probe.calendar)
        parts.reports.extend(probe.reports)


def _is_file(part: MimePart) -> bool:
    if part.is_multipart():
        return False
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment" or _filename(part):
        return True
    # Inline images and the like are attachments; inline text is part of the body.
    return disposition == "inline" and not part.get_content_type().startswith("text/")


def _filename(part: MimePart) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a broken RFC 2231 parameter
        return None
    if not name:
        return None
    return _decode_words(str(name), keep_spaces=True) or None


def _payload_bytes(part: MimePart) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        target = inner[0] if isinstance(inner, list) and inner else part
        if not isinstance(target, MimePart):
            return str(inner).encode("utf-8", "replace")
        try:
            return target.as_bytes(policy=policy.compat32)
        except Exception:  # a tree the generator cannot write back; keep the raw text
            return str(part.get_payload()).encode("utf-8", "replace")
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    return payload if isinstance(payload, bytes) else b""


def _payload_text(part: MimePart) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:  # a malformed Content-Type parameter list
        charset = None
    return decode_text(_payload_bytes(part), charset)


def _join(chunks: list[str]) -> str | None:
    text = "\n".join(chunk for chunk in chunks if chunk.strip())
    return text or None


# --- classes and attachments -------------------------------------------------------------------


def _item_class(parts: _Parts) -> str:
    for report in parts.reports:
        actions = re.findall(r"^\s*action\s*:\s*(\w+)", report, re.I | re.M)
        if any(a.lower() in ("delivered", "relayed", "expanded") for a in actions) and not any(
            a.lower() == "failed" for a in actions
        ):
            return "REPORT.IPM.Note.DR"
        return "REPORT.IPM.Note.NDR"
    for calendar in parts.calendar:
        method = re.search(r"^METHOD\s*:\s*([A-Z-]+)", calendar, re.I | re.M)
        name = method.group(1).upper() if method else ""
        if name == "REQUEST":
            return "IPM.Schedule.Meeting.Request"
        if name == "CANCEL":
            return "IPM.Schedule.Meeting.Canceled"
        if name == "REPLY":
            return _reply_class(calendar)
    return "IPM.Note"


def _reply_class(calendar: str) -> str:
    status = re.search(r"PARTSTAT=([A-Z-]+)", calendar, re.I)
    kind = status.group(1).upper() if status else "ACCEPTED"
    suffix = {"DECLINED": "Neg", "TENTATIVE": "Tent"}.get(kind, "Pos")
    return f"IPM.Schedule.Meeting.Resp.{suffix}"


def _attachment(part: MimePart, position: int, owner: Message, fallback: datetime) -> Attachment:
    attachment_id = ids.attachment_id(owner.id, position)
    ctype = part.get_content_type()
    content = _payload_bytes(part)
    inner: Message | None = None
    if ctype == "message/rfc822":
        inner_mime = _PARSER.parsebytes(content)
        inner_parts = _Parts()
        _collect(inner_mime, inner_parts)
        inner = build_message(
            header_map(inner_mime),
            inner_parts,
            content,
            attachment_id,
            owner.path,
            owner.folder_id,
            fallback,
        )
    name = _filename(part) or _fallback_name(ctype, position, inner)
    content_id = part.get("Content-ID")
    disposition = (part.get_content_disposition() or "").lower()
    return Attachment(
        id=attachment_id,
        name=name,
        content_type=ctype,
        content=content,
        is_inline=disposition == "inline" or (not disposition and content_id is not None),
        content_id=str(content_id).strip().strip("<>") if content_id else None,
        last_modified=owner.last_modified,
        item=inner,
    )


def _fallback_name(ctype: str, position: int, inner: Message | None) -> str:
    if inner is not None and inner.subject:
        return f"{inner.subject}.eml"
    extension = ".eml" if ctype == "message/rfc822" else mimetypes.guess_extension(ctype) or ".bin"
    return f"attachment-{position + 1}{extension}"
