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

    headers: Headers
    head: bytes  # the header block as written
    body: bytes  # still transfer-encoded
    raw: bytes  # the whole part, for the stdlib to read when it is an attached file

    @property
    def content_type(self) -> str:
        value = (self.headers.get("content-type") or ["text/plain"])[0]
        return value.split(";", 1)[0].strip().lower()

    @property
    def transfer(self) -> str:
        return (self.headers.get("content-transfer-encoding") or [""])[0].strip().lower()

    def text(self) -> str | None:
        """The decoded text of a text part; None when its encoding is not one we read."""
        if self.transfer not in _TRANSFER:
            return None
        payload = _decode(self.body, self.transfer)
        if payload is None:
            return None
        charset = _CHARSET.search((self.headers.get("content-type") or [""])[0])
        return decode_text(payload, charset.group(1) if charset else None)


# A unit of a multipart/mixed message: a leaf, or the leaves of a multipart/alternative.
Unit = Leaf | list[Leaf]
_SIMPLE_LEAVES = ("text/plain", "text/html")
_BOUNDARY = re.compile(r"""boundary\s*=\s*(?:"([^"]+)"|([^";\s]+))""", re.I)


def read_multipart(data: bytes) -> tuple[Headers, list[Unit]] | None:
    """The header fields and the units of a simple multipart/mixed or /alternative message."""
    head, body = _split(data)
    hdrs = _fields(head.decode("ascii", errors="surrogateescape")) if head else None
    if hdrs is None:
        return None
    kind = _multipart_kind(hdrs)
    if kind not in ("mixed", "alternative"):
        return None
    leaves = _leaves(hdrs, body)
    if leaves is None:
        return None
    if kind == "alternative":
        alternatives = [x for x in leaves if isinstance(x, Leaf)]
        return (hdrs, [alternatives]) if len(alternatives) == len(leaves) else None
    return hdrs, leaves


def _multipart_kind(hdrs: Headers) -> str | None:
    value = (hdrs.get("content-type") or [""])[0]
    main = value.split(";", 1)[0].strip().lower()
    if not main.startswith("multipart/") or "*" in value or "=?" in value:
        return None
    return main.removeprefix("multipart/")


def _leaves(hdrs: Headers, body: bytes, depth: int = 0) -> list[Unit] | None:
    match = _BOUNDARY.search((hdrs.get("content-type") or [""])[0])
    if match is None:
        return None
    chunks = _chunks(body, (match.group(1) or match.group(2)).encode("ascii", "surrogateescape"))
    if chunks is None:
        return None
    units: list[Unit] = []
    for chunk in chunks:
        head, part_body = _split(chunk)
        part_hdrs = _fields(head.decode("ascii", errors="surrogateescape")) if head else None
        if part_hdrs is None or any(
            "=?" in v or "*" in v
            for k, vs in part_hdrs.items()
            if k.startswith("content-")
            for v in vs
        ):
            return None  # encoded or RFC 2231 parameters: the stdlib decodes them
        kind = _multipart_kind(part_hdrs)
        if kind is None:
            leaf = Leaf(part_hdrs, head or b"", part_body, chunk)
            if leaf.content_type.startswith(("multipart/", "message/")) or (
                leaf.content_type.startswith("text/") and leaf.content_type not in _SIMPLE_LEAVES
            ):
                return None
            units.append(leaf)
        elif kind == "alternative" and depth == 0:
            inner = _leaves(part_hdrs, part_body, depth + 1)
            if inner is None or not all(isinstance(x, Leaf) for x in inner):
                return None
            units.append([x for x in inner if isinstance(x, Leaf)])
        else:
            return None
    return units


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
