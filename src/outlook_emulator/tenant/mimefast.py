"""A fast reader for the plainest messages: one text/plain part, nothing attached.

The stdlib parser costs about half a millisecond per message even when there
is no MIME structure to find. Generated and exported tenants are mostly such
messages, so they are split here by hand; anything else (multipart, another
content type, an odd header block) returns None and goes to the full parser.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

from outlook_emulator.tenant.common import decode_text

Headers = dict[str, list[str]]

_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:(.*)", re.S)  # RFC 5322 field name, then ":"
_CHARSET = re.compile(r"""charset\s*=\s*"?([^";\s]+)""", re.I)
_TRANSFER = {"", "7bit", "8bit", "binary", "quoted-printable", "base64"}


def read_plain(data: bytes) -> tuple[Headers, str] | None:
    """The header fields and body text of a single-part text/plain message, else None."""
    head, body = _split(data)
    if head is None:
        return None
    hdrs = _fields(head.decode("ascii", errors="surrogateescape"))
    if hdrs is None:
        return None
    content_type = (hdrs.get("content-type") or ["text/plain"])[0]
    if content_type.split(";", 1)[0].strip().lower() != "text/plain":
        return None
    transfer = (hdrs.get("content-transfer-encoding") or [""])[0].strip().lower()
    if transfer not in _TRANSFER:
        return None
    if "content-disposition" in hdrs and "attachment" in hdrs["content-disposition"][0].lower():
        return None
    charset = _CHARSET.search(content_type)
    payload = _decode(body, transfer)
    if payload is None:
        return None
    return hdrs, decode_text(payload, charset.group(1) if charset else None)


def _split(data: bytes) -> tuple[bytes | None, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = data.find(separator)
        if index > 0:
            head = data[:index]
            # A CRLF file holds no bare "\n\n" before its real separator, and vice versa.
            if separator == b"\n\n" and b"\r\n\r\n" in data[: index + 4]:
                continue
            return head, data[index + len(separator) :]
    return None, b""


def _fields(head: str) -> Headers | None:
    hdrs: Headers = {}
    name: str | None = None
    for line in head.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t"):
            if name is None:
                return None
            hdrs[name][-1] += "\n" + line  # folded: kept as the stdlib parser keeps it
            continue
        if line.startswith("From "):  # an mbox separator line is not a field
            if hdrs:
                return None
            continue
        match = _FIELD.fullmatch(line)
        if match is None:
            return None
        name = match.group(1).lower()
        hdrs.setdefault(name, []).append(match.group(2).strip())
    return hdrs or None


def _decode(body: bytes, transfer: str) -> bytes | None:
    if transfer == "quoted-printable":
        return quopri.decodestring(body)
    if transfer == "base64":
        try:
            return base64.b64decode(body)
        except (binascii.Error, ValueError):
            return None
    return body
