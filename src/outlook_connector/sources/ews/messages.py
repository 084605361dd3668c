"""What a mail document is made of, read straight from GetItem's ``t:Message`` element.

Turning each GetItem answer into exchangelib item objects is most of the CPU
time of an EWS sync: every property goes through its field class, every
address through a Mailbox object. A mail document needs sixteen properties,
so ``read_message`` takes them from the XML directly (mails are nearly all of
a mailbox). ``mapping.message_facts`` gives the same facts for an exchangelib
item (meeting requests, reports, anything read the general way), so one
builder in ``mapping`` makes documents of both.

Element names: EWS reference, "Message", "Attachments", "FileAttachment",
"ItemAttachment" (Exchange Web Services XML elements).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from exchangelib.util import TNS

from outlook_connector.sources.ews.children import child, children, indexed

_T = f"{{{TNS}}}"
_MESSAGE = f"{_T}Message"
_FILE = f"{_T}FileAttachment"
_ITEM = f"{_T}ItemAttachment"


class UnreadableMessage(ValueError):
    """The element holds something ``read_message`` does not read; read it the general way."""


@dataclass(frozen=True)
class AttachmentFacts:
    id: str
    name: str
    content_type: str | None
    size: int | None
    is_inline: bool
    last_modified: dt.datetime | None
    is_item: bool  # an attached item (a mail, an event...) rather than a file


@dataclass(frozen=True)
class MessageFacts:
    id: str
    subject: str | None
    last_modified: dt.datetime | None
    sender: str | None  # Sender, else From
    to_recipients: tuple[str | None, ...]
    cc_recipients: tuple[str | None, ...]
    bcc_recipients: tuple[str | None, ...]
    importance: str | None
    categories: tuple[str, ...]
    body: str | None
    body_is_html: bool
    received: dt.datetime | None
    sent: dt.datetime | None
    conversation_id: str | None
    has_attachments: bool
    internet_message_id: str | None
    attachments: tuple[AttachmentFacts, ...]


def is_message(elem: Any) -> bool:
    return bool(elem.tag == _MESSAGE)


def read_message(elem: Any) -> MessageFacts:
    """The facts of a ``t:Message``; ``UnreadableMessage`` when a value is not as EWS documents it."""
    elem = indexed(elem)
    id_elem = elem.find(f"{_T}ItemId")
    item_id = id_elem.get("Id") if id_elem is not None else None
    if not item_id:
        raise UnreadableMessage("a message without an ItemId")
    body_elem = elem.find(f"{_T}Body")
    body = (body_elem.text or None) if body_elem is not None else None
    conversation = elem.find(f"{_T}ConversationId")
    return MessageFacts(
        id=item_id,
        subject=_text(elem, "Subject"),
        last_modified=_instant(elem, "LastModifiedTime"),
        sender=_mailbox(elem.find(f"{_T}Sender")) or _mailbox(elem.find(f"{_T}From")),
        to_recipients=_mailboxes(elem, "ToRecipients"),
        cc_recipients=_mailboxes(elem, "CcRecipients"),
        bcc_recipients=_mailboxes(elem, "BccRecipients"),
        # Importance is Normal unless said otherwise (as exchangelib reads it too).
        importance=_text(elem, "Importance") or "Normal",
        categories=_strings(elem, "Categories"),
        body=body,
        body_is_html=body is not None and body_elem.get("BodyType") == "HTML",
        received=_instant(elem, "DateTimeReceived"),
        sent=_instant(elem, "DateTimeSent"),
        conversation_id=(conversation.get("Id") or None) if conversation is not None else None,
        has_attachments=_boolean(_text(elem, "HasAttachments")),
        internet_message_id=_text(elem, "InternetMessageId"),
        attachments=_attachments(elem.find(f"{_T}Attachments")),
    )


def _text(elem: Any, name: str) -> str | None:
    found = child(elem, f"{_T}{name}")
    return (found.text or None) if found is not None else None


def _strings(elem: Any, name: str) -> tuple[str, ...]:
    container = child(elem, f"{_T}{name}")
    if container is None:
        return ()
    return tuple(s.text for s in children(container, f"{_T}String") if s.text is not None)


def _mailbox(elem: Any) -> str | None:
    """The address of a ``t:Sender``/``t:From`` (which wrap a ``t:Mailbox``) or a ``t:Mailbox``."""
    if elem is None:
        return None
    if elem.tag != f"{_T}Mailbox":
        elem = child(elem, f"{_T}Mailbox")
        if elem is None:
            return None
    return _text(elem, "EmailAddress")


def _mailboxes(elem: Any, name: str) -> tuple[str | None, ...]:
    container = child(elem, f"{_T}{name}")
    if container is None:
        return ()
    return tuple(_mailbox(m) for m in children(container, f"{_T}Mailbox"))


def _boolean(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("true", "1")


def _instant(elem: Any, name: str) -> dt.datetime | None:
    """An ``xs:dateTime`` in UTC. EWS always sends a zone; a value without one is refused."""
    text = _text(elem, name)
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UnreadableMessage(f"{name} {text!r} is not an xs:dateTime") from None
    if value.tzinfo is None:
        raise UnreadableMessage(f"{name} {text!r} has no time zone")
    return value.astimezone(dt.UTC)


def _attachments(container: Any) -> tuple[AttachmentFacts, ...]:
    if container is None:
        return ()
    found = []
    for elem in container:
        if elem.tag not in (_FILE, _ITEM):
            continue  # e.g. ReferenceAttachment: a link, no content to index
        elem = indexed(elem)
        id_elem = elem.find(f"{_T}AttachmentId")
        attachment_id = id_elem.get("Id") if id_elem is not None else None
        if not attachment_id:
            continue
        size = _text(elem, "Size")
        found.append(
            AttachmentFacts(
                id=attachment_id,
                name=_text(elem, "Name") or "",
                content_type=_text(elem, "ContentType"),
                size=_integer(size),
                is_inline=_boolean(_text(elem, "IsInline")),
                last_modified=_instant(elem, "LastModifiedTime"),
                is_item=elem.tag == _ITEM,
            )
        )
    return tuple(found)


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UnreadableMessage(f"attachment size {text!r} is not a number") from None
