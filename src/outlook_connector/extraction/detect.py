"""Choosing the format of an attachment from its name, content type and first bytes.

Magic bytes are the strongest evidence: a name or content type is believed only
when it agrees with them (same family), so a PDF called report.docx is read as
a PDF. Without magic bytes, the name wins over the content type (which is often a
generic application/octet-stream), and a text sniff decides when both are unknown.
"""

from __future__ import annotations

import re

from outlook_connector.extraction.binary import image_kind
from outlook_connector.extraction.decode import bom_encoding, decode_text, looks_like_text
from outlook_connector.extraction.ole import OLE_MAGIC
from outlook_connector.extraction.registry import FormatRegistry, FormatSpec

HEAD_SIZE = 2048
_MAIL_HEADER = re.compile(
    r"^(received|from|return-path|message-id|mime-version|subject|delivered-to|date|to):",
    re.IGNORECASE,
)


def sniff_magic(head: bytes) -> str | None:
    """A format (or container family) named by unambiguous magic bytes."""
    found = _strong_magic(head)
    if found:
        return found
    # Short signatures also open ordinary text ("BMW results", "MZ Ltd"): binary data only.
    return None if looks_like_text(head) else _weak_magic(head)


def _is_pdf(head: bytes) -> bool:
    # Readers accept the header anywhere in the first KiB, after binary junk only:
    # a text that mentions "%PDF-" is still a text.
    offset = head.find(b"%PDF-", 0, 1024)
    return offset == 0 or (offset > 0 and not looks_like_text(head[:offset]))


def _strong_magic(head: bytes) -> str | None:
    if _is_pdf(head):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"%!PS"):
        return "postscript"
    if head.startswith(b"\x78\x9f\x3e\x22"):
        return "tnef"
    return None


def _weak_magic(head: bytes) -> str | None:
    if image_kind(head):
        return "image"
    if head.startswith((b"ID3", b"OggS", b"fLaC")) or (head[:4] == b"RIFF" and head[8:12] in (
        b"WAVE", b"AVI ")) or head[4:8] == b"ftyp":
        return "media"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh")):
        return "archive"
    if head.startswith((b"MZ", b"\x7fELF")):
        return "executable"
    return None


def sniff_text(head: bytes) -> str:
    """For data with no magic bytes and no usable name: which text format, or binary."""
    if not looks_like_text(head):
        return "binary"
    text = decode_text(head[:HEAD_SIZE] if not bom_encoding(head) else head).lstrip("\ufeff")
    start = text.lstrip()[:512].lower()
    if start.startswith("begin:vcalendar"):
        return "ics"
    if start.startswith("begin:vcard"):
        return "vcf"
    if start.startswith(("<!doctype html", "<html")) or "<html" in start[:300]:
        return "html"
    if start.startswith("<?xml") or start.startswith("<"):
        return "xml"
    if start.startswith(("{", "[")):
        return "json"
    if _MAIL_HEADER.match(start):
        return "eml"
    return "text"


def detect_format(
    registry: FormatRegistry, name: str, content_type: str | None, head: bytes
) -> FormatSpec:
    """The registered format an attachment should be read as (magic bytes checked only)."""
    by_name = registry.by_extension(name)
    by_type = registry.by_content_type(content_type)
    magic = sniff_magic(head)
    if magic:
        family = registry.get(magic).family if magic in registry else magic
        for candidate in (by_name, by_type):
            if candidate and candidate.family == family:
                return candidate
        if magic in registry:
            return registry.get(magic)
    for candidate in (by_name, by_type):
        if candidate and candidate.family is None:
            return candidate
    # A binary format named without its magic bytes: let its parser report the damage.
    if by_name:
        return by_name
    if by_type:
        return by_type
    return registry.get(sniff_text(head))
