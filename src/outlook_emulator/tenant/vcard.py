"""vCard files (.vcf: 2.1, 3.0 and 4.0, one or more cards a file) as contacts and contact groups.

A small parser of our own rather than vobject: a broken card must cost only
itself, not the cards after it in the same file, and vCard 2.1 exports from
Outlook and phones need quoted-printable values in legacy charsets.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from outlook_emulator.tenant.common import ItemContext, UnrepresentableFile, as_utc, decode_text
from outlook_emulator.tenant.model import (
    Contact,
    ContactGroup,
    EmailAddress,
    Item,
    PhoneNumber,
    PostalAddress,
)

_UNESCAPE = re.compile(r"\\(.)", re.S)
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_ESCAPED = re.compile("[\udc80-\udcff]")  # undecodable bytes kept by surrogateescape
UUID_PREFIX = "urn:uuid:"


@dataclass
class Prop:
    """One content line: ``group.NAME;PARAM=VALUE:value``."""

    name: str
    params: dict[str, list[str]]
    value: str

    @property
    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}


@dataclass
class Card:
    props: list[Prop] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the card's unfolded content lines, as read

    def all(self, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name]

    def first(self, name: str) -> str | None:
        found = self.all(name)
        return found[0].value if found else None


def parse_vcards(data: bytes, ctx: ItemContext) -> tuple[list[Item], list[str]]:
    """The contacts and groups in a .vcf file, and a reason for each card left out."""
    cards = read_cards(data)
    if not cards:
        raise UnrepresentableFile("no BEGIN:VCARD ... END:VCARD card in the file")
    emails_by_uid: dict[str, str] = {}
    for card in cards:
        uid, emails = _uid(card), _emails(card)
        if uid and emails:
            emails_by_uid[uid] = emails[0].address
    items: list[Item] = []
    notes: list[str] = []
    for position, card in enumerate(cards):
        if not card.props:
            notes.append(f"card {position + 1} has no properties")
            continue
        try:
            items.append(_to_item(card, position, ctx, emails_by_uid))
        except (ValueError, IndexError) as error:
            notes.append(f"card {position + 1} cannot be read: {error}")
    return items, notes


# --- reading -----------------------------------------------------------------------------------


def read_cards(data: bytes) -> list[Card]:
    """Every top-level card in the file; properties of nested cards (2.1 AGENT) are dropped."""
    cards: list[Card] = []
    depth = 0
    for line in _logical_lines(_text(data)):
        head = line.strip().upper()
        if head == "BEGIN:VCARD":
            depth += 1
            if depth == 1:
                cards.append(Card())
        elif head == "END:VCARD":
            depth = max(depth - 1, 0)
        if depth >= 1 or head == "END:VCARD" and cards:
            cards[-1].lines.append(line)
        if depth == 1 and line.strip() and head != "BEGIN:VCARD":
            prop = _parse_line(line)
            if prop is not None:
                cards[-1].props.append(prop)
    return cards


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    # Bytes that are not UTF-8 stay escaped until their property's CHARSET says what they are.
    return data.decode("utf-8", errors="surrogateescape")


def _logical_lines(text: str) -> Iterable[str]:
    current: str | None = None
    for raw in _LINE_BREAK.split(text):
        if current is not None and raw[:1] in (" ", "\t"):
            current += raw[1:]  # folding (RFC 6350 3.2)
        elif current is not None and _is_soft_break(current):
            current = current[:-1] + raw  # quoted-printable soft line break (vCard 2.1)
        else:
            if current is not None:
                yield current
            current = raw
    if current is not None:
        yield current


def _is_soft_break(line: str) -> bool:
    return line.endswith("=") and "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper()


def _parse_line(line: str) -> Prop | None:
    head, sep, value = _split_unquoted(line, ":")
    if not sep:
        return None
    fields = _split_params(head)
    name = fields[0].rsplit(".", 1)[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for param in fields[1:]:
        key, has_value, pvalue = param.partition("=")
        if not has_value:  # vCard 2.1 bare types: TEL;WORK;VOICE
            key, pvalue = "TYPE", key
        values = [v.strip().strip('"') for v in pvalue.split(",") if v.strip()]
        params.setdefault(key.strip().upper(), []).extend(values)
    return Prop(name=name, params=params, value=_decode_value(value, params))


def _split_unquoted(line: str, separator: str) -> tuple[str, str, str]:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            return line[:index], separator, line[index + 1 :]
    return line, "", ""


def _split_params(head: str) -> list[str]:
    fields: list[str] = []
    rest = head
    while True:
        before, sep, rest = _split_unquoted(rest, ";")
        fields.append(before)
        if not sep:
            return fields


def _decode_value(value: str, params: dict[str, list[str]]) -> str:
    encoding = {e.upper() for e in params.get("ENCODING", [])}
    charsets = params.get("CHARSET")
    charset = charsets[0] if charsets else None
    if "QUOTED-PRINTABLE" in encoding:
        raw = quopri.decodestring(value.encode("utf-8", errors="surrogateescape"))
        return decode_text(raw, charset or "utf-8")
    if value.isascii() or not _ESCAPED.search(value):
        return value
    return decode_text(value.encode("utf-8", errors="surrogateescape"), charset)


# --- values ------------------------------------------------------------------------------------


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[str]:
    """A structured value (N, ADR, ORG) split on unescaped semicolons."""
    parts = re.split(r"(?<!\\);", value)
    return [_unescape(p).strip() for p in parts]


def _uid(card: Card) -> str | None:
    uid = card.first("UID")
    if not uid:
        return None
    uid = uid.strip()
    return uid[len(UUID_PREFIX) :] if uid.lower().startswith(UUID_PREFIX) else uid


def _emails(card: Card) -> list[EmailAddress]:
    name = _display_name(card) or None
    result = []
    for prop in card.all("EMAIL"):
        address = _unescape(prop.value).strip().removeprefix("mailto:").lower()
        if address:
            result.append(EmailAddress(address=address, name=name))
    return result


def _display_name(card: Card) -> str:
    full = card.first("FN")
    if full and _unescape(full).strip():
        return _unescape(full).strip()
    n = card.first("N")
    if n:
        parts = _components(n) + [""] * 5
        joined = " ".join(p for p in (parts[3], parts[1], parts[2], parts[0], parts[4]) if p)
        if joined:
            return joined
    org = card.first("ORG")
    if org:
        return _components(org)[0]
    email = card.first("EMAIL")
    return _unescape(email).strip() if email else ""


def _text_prop(card: Card, name: str) -> str | None:
    value = card.first(name)
    return _unescape(value).strip() or None if value is not None else None


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    compact = value.strip().replace("-", "").replace(":", "")
    for layout in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%dT%H%M%S.%fZ", "%Y%m%d"):
        try:
            parsed = datetime.strptime(compact, layout)
        except ValueError:
            continue
        return as_utc(parsed)
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _birthday(value: str | None) -> date | None:
    if not value or value.strip().startswith("--"):  # no year: Exchange cannot store it
        return None
    stamp = _timestamp(value.strip()[:10] if "T" not in value else value)
    return stamp.date() if stamp else None


PhoneKind = Literal["business", "home", "mobile", "other", "businessFax", "homeFax", "pager"]


def _phone_kind(types: set[str]) -> PhoneKind:
    if types & {"cell", "mobile", "iphone"}:
        return "mobile"
    if "pager" in types:
        return "pager"
    if "fax" in types:
        return "homeFax" if "home" in types else "businessFax"
    if "work" in types:
        return "business"
    if "home" in types:
        return "home"
    return "other"


def _address(prop: Prop) -> PostalAddress:
    parts = _components(prop.value) + [""] * 7
    street = "\n".join(p for p in (parts[2], parts[1], parts[0]) if p) or None
    kind: Literal["business", "home", "other"] = (
        "business" if "work" in prop.types else "home" if "home" in prop.types else "other"
    )
    return PostalAddress(
        kind=kind,
        street=street,
        city=parts[3] or None,
        state=parts[4] or None,
        postal_code=parts[5] or None,
        country=parts[6] or None,
    )


def _categories(card: Card) -> list[str]:
    found: list[str] = []
    for prop in card.all("CATEGORIES"):
        found.extend(_unescape(c).strip() for c in re.split(r"(?<!\\),", prop.value))
    return [c for c in found if c]


# --- items -------------------------------------------------------------------------------------


def _is_group(card: Card) -> bool:
    kind = (card.first("KIND") or card.first("X-ADDRESSBOOKSERVER-KIND") or "").strip().lower()
    return kind == "group"


def _to_item(card: Card, position: int, ctx: ItemContext, uids: dict[str, str]) -> Item:
    modified = _timestamp(card.first("REV")) or ctx.file_time
    common: dict[str, Any] = {
        "id": ctx.entry_id(position),
        "path": ctx.entry_path(position),
        "folder_id": ctx.folder_id,
        "created": modified,
        "last_modified": modified,
        "categories": _categories(card),
        "source_bytes": _card_bytes(card),
        "display_name": _display_name(card),
        "notes": _text_prop(card, "NOTE"),
        "uid": _uid(card),
    }
    if _is_group(card):
        return ContactGroup(**common, members=_members(card, uids))
    n = _components(card.first("N") or "") + [""] * 5
    org = _components(card.first("ORG") or "") + [""]
    return Contact(
        **common,
        given_name=n[1] or None,
        surname=n[0] or None,
        middle_name=n[2] or None,
        nickname=_text_prop(card, "NICKNAME"),
        emails=_emails(card),
        phones=[
            PhoneNumber(number=_unescape(p.value).strip(), kind=_phone_kind(p.types))
            for p in card.all("TEL")
            if p.value.strip()
        ],
        addresses=[_address(p) for p in card.all("ADR")],
        company_name=org[0] or None,
        department=org[1] or None,
        job_title=_text_prop(card, "TITLE"),
        birthday=_birthday(card.first("BDAY")),
    )


def _members(card: Card, uids: dict[str, str]) -> list[EmailAddress]:
    members: list[EmailAddress] = []
    for prop in card.all("MEMBER") + card.all("X-ADDRESSBOOKSERVER-MEMBER"):
        value = _unescape(prop.value).strip()
        if value.lower().startswith("mailto:"):
            members.append(EmailAddress(address=value[7:].lower(), name=None))
        elif value.lower().startswith(UUID_PREFIX):
            uid = value[len(UUID_PREFIX) :]
            # Resolved now when the member's card is in this file, else by the loader later.
            members.append(EmailAddress(address=uids.get(uid, UUID_PREFIX + uid)))
        elif "@" in value:
            members.append(EmailAddress(address=value.lower()))
    return members


def _card_bytes(card: Card) -> bytes:
    # The card on its own, so an item's source is one card even when its file holds several.
    return ("\r\n".join(card.lines) + "\r\n").encode("utf-8", errors="surrogateescape")


def resolve_members(groups: list[ContactGroup], contacts: list[Contact]) -> list[str]:
    """Turns urn:uuid members into the addresses of the mailbox's contacts with that UID.

    Returns a note for each member that names no known contact (such members are dropped).
    """
    by_uid = {c.uid: c for c in contacts if c.uid and c.emails}
    notes: list[str] = []
    for group in groups:
        kept: list[EmailAddress] = []
        for member in group.members:
            if not member.address.startswith(UUID_PREFIX):
                kept.append(member)
                continue
            contact = by_uid.get(member.address[len(UUID_PREFIX) :])
            if contact is None:
                notes.append(f"group {group.display_name!r}: member {member.address} not found")
                continue
            kept.append(EmailAddress(contact.emails[0].address, contact.display_name or None))
        group.members = kept
    return notes
