"""Which item elements are read straight from GetItem's XML, and by which reader.

Building exchangelib's objects costs about ten times what reading the few
properties a document needs does. Every reader raises ``UnreadableMessage``
(or its subclass ``UnreadableItem``) for what it does not read; the item is
then read the general way (``services.general_item``).

A folder's own kind of item is read fast, and mails everywhere (as before):
an event in a mail folder, say, is read the general way and becomes a mail
document from exchangelib's object, exactly as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from outlook_connector.sources.ews import contacts, events, messages, tasks

Reader = Callable[[Any], Any]
Unreadable = messages.UnreadableMessage

_MAIL: dict[str, Reader] = {messages._MESSAGE: messages.read_message}
_BY_KIND: dict[str, dict[str, Reader]] = {
    "contacts": {
        contacts.CONTACT_TAG: contacts.read_contact,
        contacts.DISTRIBUTION_LIST_TAG: contacts.read_distribution_list,
    },
    "calendar": {events.CALENDAR_ITEM_TAG: events.read_event},
    "tasks": {tasks.TASK_TAG: tasks.read_task},
}


def for_kind(kind: str | None) -> dict[str, Reader]:
    """The readers by element tag for a collection kind ("mail", "contacts"...)."""
    return {**_MAIL, **_BY_KIND.get(kind or "", {})}
