"""A fast reader for plain messages: one text/plain part, or a simple multipart.

The stdlib parser reads every line in Python and costs about half a
millisecond for even the simplest message. Most messages are simple: a text
part, or "mixed"/"alternative" multiparts of text, HTML and attached files.
Those are split here by hand; anything else (nested or related multiparts,
calendar or message parts, an odd header block, encoded parameters) returns
None and goes to the full parser, which gives the same result more slowly.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from email import policy
from email.message import Message as MimePart
from email.parser import BytesParser

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
    """The header block and the body, split at the first empty line (CRLF or LF)."""
    found = [(data.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n")]
    found = [(index, sep) for index, sep in found if index > 0]
    if not found:
        return None, b""
    index, separator = min(found)
    return data[:index], data[index + len(separator) :]


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


@dataclass(frozen=True)
class Leaf:
    """One non-multipart part of a simple multipart message."""

    part: MimePart  # its header block, read by the stdlib so that types and names match
    body: bytes  # still transfer-encoded
    raw: bytes  # the whole part, for the stdlib to read when it is an attached file

    @property
    def content_type(self) -> str:
        return self.part.get_content_type()

    def text(self) -> str | None:
        """The decoded text of a text part; None when its encoding is not one we read."""
        transfer = str(self.part.get("content-transfer-encoding", "")).strip().lower()
        if transfer not in _TRANSFER:
            return None
        payload = _decode(self.body, transfer)
        if payload is None:
            return None
        try:
            charset = self.part.get_content_charset()
        except Exception:  # a malformed parameter list
            return None
        return decode_text(payload, charset)


# A unit of a multipart/mixed message: a leaf, or the leaves of a multipart/alternative.
Unit = Leaf | list[Leaf]
_PARSER = BytesParser(policy=policy.compat32)
_SIMPLE = ("multipart/mixed", "multipart/alternative")


def read_multipart(data: bytes) -> tuple[Headers, list[Unit]] | None:
    """The header fields and the units of a simple multipart/mixed or /alternative message."""
    head, body = _split(data)
    hdrs = _fields(head.decode("ascii", errors="surrogateescape")) if head else None
    if head is None or hdrs is None:
        return None
    top = _header_block(head)
    if top is None or top.get_content_type() not in _SIMPLE:
        return None
    units = _units(top, body, nested=False)
    if units is None:
        return None
    if top.get_content_type() == "multipart/alternative":
        leaves = [u for u in units if isinstance(u, Leaf)]
        return (hdrs, [leaves]) if len(leaves) == len(units) else None
    return hdrs, units


def _units(parent: MimePart, body: bytes, nested: bool) -> list[Unit] | None:
    boundary = parent.get_boundary()
    if not boundary or not boundary.isascii():
        return None
    chunks = _chunks(body, boundary.encode("ascii"))
    if chunks is None:
        return None
    units: list[Unit] = []
    for chunk in chunks:
        head, part_body = _split(chunk)
        if head is None:
            return None
        part = _header_block(head)
        if part is None:
            return None
        ctype = part.get_content_type()
        if ctype == "multipart/alternative" and not nested:
            inner = _units(part, part_body, nested=True)
            if inner is None or not all(isinstance(x, Leaf) for x in inner):
                return None
            units.append([x for x in inner if isinstance(x, Leaf)])
        elif ctype.startswith(("multipart/", "message/")) or (
            ctype.startswith("text/") and ctype not in ("text/plain", "text/html")
        ):
            return None  # nested structure, attached messages, calendars: the full parser
        else:
            units.append(Leaf(part, part_body, chunk))
    return units


def _header_block(head: bytes) -> MimePart | None:
    """The header block as the stdlib reads it; None when it would end the block early (a
    line that is no field), since the stdlib then reads the rest as body."""
    part = _PARSER.parsebytes(head)
    payload = part.get_payload()
    return part if isinstance(payload, str) and not payload.strip() else None


def _chunks(body: bytes, boundary: bytes) -> list[bytes] | None:
    """The parts between the delimiter lines; None without a closing delimiter."""
    delimiter = re.compile(rb"(?:\r?\n|\A)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    chunks: list[bytes] = []
    start: int | None = None
    for found in delimiter.finditer(body):
        if start is not None:
            chunks.append(body[start : found.start()])
        if found.group(1):
            return chunks if chunks else None
        start = found.end()
    return None
