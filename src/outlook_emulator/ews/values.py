"""The value of a property path on a tenant item, for restrictions and sorting.

FieldURIs follow ``fielduri.md``. Values are plain Python values (aware
datetimes, strings, booleans, integers) so they compare and sort directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from outlook_emulator.ews.items import item_class
from outlook_emulator.tenant.model import Contact, ContactGroup, Event, Item, Message, Task


def _subject(item: Item) -> str | None:
    if isinstance(item, Message | Event):
        return item.subject
    if isinstance(item, Task):
        return item.title
    if isinstance(item, Contact | ContactGroup):
        return item.display_name
    return None


def _received(item: Item) -> datetime:
    if isinstance(item, Message):
        return item.received or item.sent or item.created
    return item.created


def _attr(name: str) -> Callable[[Item], Any]:
    return lambda item: getattr(item, name, None)


def _from(item: Item) -> str | None:
    addr = getattr(item, "from_", None)
    return addr.address if addr is not None else None


GETTERS: dict[str, Callable[[Item], Any]] = {
    "item:Subject": _subject,
    "item:DateTimeReceived": _received,
    "item:DateTimeCreated": _attr("created"),
    "item:DateTimeSent": lambda i: getattr(i, "sent", None) or i.created,
    "item:LastModifiedTime": _attr("last_modified"),
    "item:ItemClass": item_class,
    "item:Importance": lambda i: str(getattr(i, "importance", "normal")).capitalize(),
    "item:HasAttachments": lambda i: bool(i.attachments),
    "item:Size": lambda i: len(i.source_bytes),
    "item:ItemId": _attr("id"),
    "message:IsRead": _attr("is_read"),
    "message:From": _from,
    "message:Sender": _from,
    "message:InternetMessageId": _attr("internet_message_id"),
    "calendar:Start": _attr("start"),
    "calendar:End": _attr("end"),
    "calendar:IsAllDayEvent": _attr("is_all_day"),
    "calendar:UID": _attr("uid"),
    "calendar:IsRecurring": lambda i: getattr(i, "recurrence", None) is not None,
    "calendar:Location": _attr("location"),
    "task:DueDate": _attr("due"),
    "task:StartDate": lambda i: i.start if isinstance(i, Task) else None,
    "task:CompleteDate": _attr("completed"),
    "task:PercentComplete": _attr("percent_complete"),
    "contacts:DisplayName": _attr("display_name"),
    "contacts:GivenName": _attr("given_name"),
    "contacts:Surname": _attr("surname"),
    "contacts:CompanyName": _attr("company_name"),
    "contacts:FileAs": _attr("display_name"),
}

# The Python type of each sortable field, to read a restriction's constant.
_DATETIMES = {
    "item:DateTimeReceived",
    "item:DateTimeCreated",
    "item:DateTimeSent",
    "item:LastModifiedTime",
    "calendar:Start",
    "calendar:End",
    "task:DueDate",
    "task:StartDate",
    "task:CompleteDate",
}
_BOOLEANS = {
    "item:HasAttachments",
    "message:IsRead",
    "calendar:IsAllDayEvent",
    "calendar:IsRecurring",
}
_INTEGERS = {"item:Size", "task:PercentComplete"}


def parse_constant(uri: str, text: str) -> Any:
    """Read a ``Constant Value`` as the type of the property it is compared with."""
    if uri in _DATETIMES:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if uri in _BOOLEANS:
        return text.strip().lower() == "true"
    if uri in _INTEGERS:
        return int(float(text))
    return text
