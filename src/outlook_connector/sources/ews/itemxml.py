"""Small readers of EWS item elements shared by the contact, event and task readers.

Each reads a value exactly as exchangelib's field of the same property reads
it, or raises ``UnreadableItem`` when the value is in a form exchangelib
reads some other way (the item is then read the general way, so a form not
handled here never gives a different document).

Element names: EWS reference, "Body", "Attachments", "StartTimeZone",
"Birthday", "StartDate (Task)", "DueDate (Task)".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from exchangelib.ewsdatetime import EWSTimeZone

from outlook_connector.sources.ews.children import child as _child
from outlook_connector.sources.ews.children import children as _children
from outlook_connector.sources.ews.messages import (
    _T,
    AttachmentFacts,
    UnreadableMessage,
    _attachments,
    _mailbox,
    _strings,
    _text,
)

__all__ = [
    "AttachmentFacts",
    "UnreadableItem",
    "attachments",
    "body",
    "boolean",
    "categories",
    "contained",
    "date_of",
    "instant",
    "item_id",
    "mailbox",
    "mailboxes",
    "text",
    "zone_key",
]

T = _T
text = _text
mailbox = _mailbox


class UnreadableItem(UnreadableMessage):
    """The element holds something the fast readers do not read; read it the general way."""


_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
_FILE, _ITEM = f"{T}FileAttachment", f"{T}ItemAttachment"


def item_id(elem: Any) -> str:
    id_elem = _child(elem, f"{T}ItemId")
    value = id_elem.get("Id") if id_elem is not None else None
    if not value:
        raise UnreadableItem("an item without an ItemId")
    return str(value)


def categories(elem: Any) -> tuple[str, ...]:
    return _strings(elem, "Categories")


def body(elem: Any) -> tuple[str | None, bool]:
    """The body's text and whether it is HTML; exchangelib knows only these two types."""
    found = _child(elem, f"{T}Body")
    if found is None or not found.text:
        return None, False
    kind = found.get("BodyType")
    if kind not in ("Text", "HTML"):
        raise UnreadableItem(f"a body of type {kind!r}")
    return found.text, kind == "HTML"


def boolean(elem: Any, name: str, default: bool) -> bool:
    value = _text(elem, name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise UnreadableItem(f"{name} {value!r} is not a boolean")
    return value.lower() == "true"


def instant(elem: Any, name: str) -> dt.datetime | None:
    """An ``xs:dateTime`` in UTC, in the two forms EWS sends: ``...Z`` and ``...+02:00``.

    exchangelib reads other forms (fractions of a second, no zone) its own
    way, so those are left to it.
    """
    value = _text(elem, name)
    if value is None:
        return None
    if not (_UTC.fullmatch(value) or _OFFSET.fullmatch(value)):
        raise UnreadableItem(f"{name} {value!r} is not in a form read here")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UnreadableItem(f"{name} {value!r} is not an xs:dateTime") from None
    return parsed.astimezone(dt.UTC)


def date_of(elem: Any, name: str) -> dt.date | None:
    """A date sent as an ``xs:dateTime``: the date as written when it carries an offset,
    else the UTC date (what exchangelib's DateTimeBackedDateField gives)."""
    value = _text(elem, name)
    if value is None:
        return None
    if _OFFSET.fullmatch(value):
        return dt.datetime.fromisoformat(value).date()
    moment = instant(elem, name)
    return moment.date() if moment is not None else None


def zone_key(elem: Any, name: str) -> str | None:
    """The IANA name of a ``t:StartTimeZone``/``t:EndTimeZone``, as exchangelib maps its Id."""
    found = _child(elem, f"{T}{name}")
    if found is None:
        return None
    ms_id = found.get("Id") or found.get("Name")
    key = EWSTimeZone.MS_TO_IANA_MAP.get(ms_id) if ms_id else None
    if key is None:
        raise UnreadableItem(f"{name} {ms_id!r} is not a known Windows time zone")
    return str(key)


def contained(elem: Any, name: str, child: str) -> list[Any]:
    """The ``child`` elements of the container ``name``; none when it is absent."""
    container = _child(elem, f"{T}{name}")
    return [] if container is None else _children(container, f"{T}{child}")


def mailboxes(elem: Any, name: str, child: str) -> tuple[str | None, ...]:
    """Addresses of attendees or members: ``t:Attendee``/``t:Member`` wrapping a ``t:Mailbox``."""
    return tuple(_mailbox(_child(e, f"{T}Mailbox")) for e in contained(elem, name, child))


def attachments(elem: Any) -> tuple[AttachmentFacts, ...]:
    """File and item attachments in the server's order, as ``messages`` reads a mail's."""
    container = _child(elem, f"{T}Attachments")
    if container is None:
        return ()
    for attachment in container:
        if attachment.tag in (_FILE, _ITEM):
            id_elem = _child(attachment, f"{T}AttachmentId")
            if id_elem is None or not id_elem.get("Id"):
                # exchangelib lists it (its name reaches the document); refs skip it.
                raise UnreadableItem("an attachment without an AttachmentId")
    return _attachments(container)
