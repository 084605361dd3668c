"""iCalendar (.ics) and vCard (.vcf): the readable fields of each entry.

Both formats share the content-line syntax of RFC 5545 / RFC 6350, so one
small tolerant reader serves them; it never fails on odd lines, it skips them.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator

from outlook_connector.extraction.context import ExtractionContext
from outlook_connector.extraction.decode import decode_text

_FOLD = re.compile(r"\r?\n[ \t]")
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)")
_QUOTED_PRINTABLE = re.compile(r"(?:^|;)(?:ENCODING=)?QUOTED-PRINTABLE(?:;|$)", re.IGNORECASE)
_CHARSET = re.compile(r"(?:^|;)CHARSET=([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CN = re.compile(r"""(?:^|;)CN=("[^"]*"|[^;:]*)""", re.IGNORECASE)

_ICAL_FIELDS = {
    "SUMMARY": "Summary",
    "DESCRIPTION": "Description",
    "LOCATION": "Location",
    "ORGANIZER": "Organizer",
    "ATTENDEE": "Attendee",
    "CATEGORIES": "Categories",
    "COMMENT": "Comment",
    "CONTACT": "Contact",
    "RESOURCES": "Resources",
    "DTSTART": "Start",
    "DTEND": "End",
    "DUE": "Due",
    "RRULE": "Repeats",
    "X-WR-CALNAME": "Calendar",
}
_VCARD_FIELDS = {
    "FN": "Name",
    "N": "Structured name",
    "NICKNAME": "Nickname",
    "ORG": "Organization",
    "TITLE": "Title",
    "ROLE": "Role",
    "EMAIL": "Email",
    "TEL": "Phone",
    "ADR": "Address",
    "URL": "Web",
    "NOTE": "Note",
    "BDAY": "Birthday",
    "CATEGORIES": "Categories",
}


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


def _content_lines(text: str) -> Iterator[tuple[str, str, str]]:
    """(NAME, parameters, value) for each unfolded content line."""
    lines = iter(_FOLD.sub("", text).splitlines())
    for line in lines:
        head, colon, value = line.partition(":")
        if not colon:
            continue
        name, _, params = head.partition(";")
        if _QUOTED_PRINTABLE.search(params):
            # vCard 2.1 (Outlook's export) continues such values with a trailing "=".
            while value.endswith("="):
                value = value[:-1] + next(lines, "")
            value = _decode_quoted_printable(value, params)
        # Apple and Outlook prefix grouped properties with "item1." and the like.
        yield name.rsplit(".", 1)[-1].upper(), params, value


def _decode_quoted_printable(value: str, params: str) -> str:
    charset = _CHARSET.search(params)
    encoding = charset.group(1) if charset else "utf-8"
    raw = quopri.decodestring(value.encode("latin-1", "replace"))
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:
        return raw.decode("latin-1")


def _readable(name: str, params: str, value: str) -> str:
    if name in ("ORGANIZER", "ATTENDEE"):
        cn = _CN.search(params)
        address = value[7:] if value.lower().startswith("mailto:") else value
        return f"{cn.group(1).strip(chr(34))} <{address}>" if cn else address
    if name in ("N", "ADR"):
        return " ".join(part for part in (_unescape(p) for p in value.split(";")) if part.strip())
    return _unescape(value)


def _extract(fields: dict[str, str], data: bytes, ctx: ExtractionContext) -> None:
    for name, params, value in _content_lines(decode_text(data)):
        if name == "BEGIN" and ctx.emitted:
            ctx.emit("\n")  # a blank line between events, to-dos or cards
        label = fields.get(name)
        if label and value.strip():
            ctx.emit_line(f"{label}: {_readable(name, params, value).strip()}")


def extract_ics(data: bytes, ctx: ExtractionContext) -> None:
    _extract(_ICAL_FIELDS, data, ctx)


def extract_vcf(data: bytes, ctx: ExtractionContext) -> None:
    _extract(_VCARD_FIELDS, data, ctx)
