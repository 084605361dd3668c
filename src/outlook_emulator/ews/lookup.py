"""Finding items and attachments of a mailbox by id.

Both indexes are built once per mailbox change (the change counter is part
of the cache key), so a GetItem or GetAttachment batch costs dictionary
lookups, not scans of every folder.
"""

from __future__ import annotations

from datetime import UTC, datetime

from outlook_emulator.ews.occurrences import make_occurrence, split_occurrence_id
from outlook_emulator.ews.soap import EwsError
from outlook_emulator.ews.state import EwsState
from outlook_emulator.tenant.model import Attachment, Event, Item, Mailbox


def item_index(mailbox: Mailbox, state: EwsState) -> dict[str, Item]:
    """The mailbox's items by id, as of its latest change."""
    count = sum(len(f.items) for f in mailbox.folders.values())

    def build() -> dict[str, Item]:
        return {i.id: i for f in mailbox.folders.values() for i in f.items.values()}

    return state.view(("items", mailbox.address, mailbox.seq, count), build)


def find_item(mailbox: Mailbox, item_id: str, state: EwsState) -> Item:
    if not item_id:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    index = item_index(mailbox, state)
    item = index.get(item_id)
    if item is not None:
        return item
    occurrence = split_occurrence_id(item_id)
    if occurrence is not None:
        master = index.get(occurrence[0])
        if isinstance(master, Event) and master.recurrence is not None:
            return make_occurrence(master, occurrence[1])
    raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")


def find_attachment(
    mailbox: Mailbox, attachment_id: str, state: EwsState
) -> tuple[Item, Attachment]:
    count = sum(len(f.items) for f in mailbox.folders.values())

    def build() -> dict[str, tuple[Item, Attachment]]:
        index: dict[str, tuple[Item, Attachment]] = {}
        for folder in mailbox.folders.values():
            for item in folder.items.values():
                for att in item.attachments:
                    index[att.id] = (item, att)
        return index

    index = state.view(("attachments", mailbox.address, mailbox.seq, count), build)
    found = index.get(attachment_id)
    if found is None:
        if not attachment_id:
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
    return found


def find_exception(
    mailbox: Mailbox, master: Event, start: datetime, state: EwsState
) -> Event | None:
    """The exception item that overrides the occurrence of ``master`` originally at ``start``."""
    for item in item_index(mailbox, state).values():
        if (
            isinstance(item, Event)
            and item.series_master_id == master.id
            and item.original_start is not None
            and item.original_start.astimezone(UTC) == start
        ):
            return item
    return None


def exceptions_of(mailbox: Mailbox, state: EwsState) -> dict[str, list[Event]]:
    """The exception items of every recurring series in the mailbox, by master id."""
    index = item_index(mailbox, state)

    def build() -> dict[str, list[Event]]:
        out: dict[str, list[Event]] = {}
        for item in index.values():
            if isinstance(item, Event) and item.series_master_id:
                out.setdefault(item.series_master_id, []).append(item)
        return out

    return state.view(("exceptions", mailbox.address, mailbox.seq, len(index)), build)
