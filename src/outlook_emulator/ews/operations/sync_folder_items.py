"""SyncFolderItems: the changes in one folder since a sync state.

Implements ``syncfolderitems-operation.md`` (with ``maxchangesreturned.md``,
``syncstate-ex15websvcsotherref.md`` and "How to: Synchronize items by using
EWS in Exchange"): up to ``MaxChangesReturned`` (1–512) Create, Update and
Delete changes in change order, a new ``SyncState`` and
``IncludesLastItemInRange``. Like FindItem it returns no bodies or
attachments, and a changed exception of a recurring series shows up as an
update of the series master, where Exchange stores it. Each folder's change list is built once per mailbox change
and paged with a binary search, so a page costs its own size.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.folders import is_exception, resolve
from outlook_emulator.ews.items import RenderContext, items_xml, owner_of
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import (
    EwsError,
    EwsFault,
    M,
    Spliced,
    T,
    required,
    response_message,
    response_root,
    sub,
    xml_bool,
)
from outlook_emulator.ews.state import EwsState
from outlook_emulator.ews.syncstate import SyncState, decode
from outlook_emulator.tenant.model import Event, Folder, Item

MAX_CHANGES = 512


@dataclass(frozen=True)
class _Change:
    seq: int
    item_id: str
    item: Item | None  # None: deleted


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> Spliced:
    render = RenderContext(
        shape=parse_shape(required(request, "ItemShape")), find=True, version=ctx.version
    )
    max_changes = _max_changes(required(request, "MaxChangesReturned"))
    ignore = {el.get("Id", "") for el in request.iterfind(f"{M}Ignore/{T}ItemId")}
    reply = Spliced(response_root("SyncFolderItemsResponse"))
    messages = sub(reply.root, M + "ResponseMessages")
    try:
        target = required(request, "SyncFolderId")
        if len(target) != 1:
            raise EwsFault(
                "ErrorSchemaValidation", "The request failed schema validation: SyncFolderId."
            )
        ref = resolve(ctx, target[0])
        if ref.folder is None:
            raise EwsError("ErrorInvalidOperation", "The mailbox root cannot be synchronised.")
        folder = ref.folder
        sync_el = request.find(M + "SyncState")
        previous = decode(
            sync_el.text if sync_el is not None else None,
            folder.id,
            ref.mailbox.seq,
            ctx.tenant.instance,
        )
    except EwsError as exc:
        response_message(messages, "SyncFolderItemsResponseMessage", exc)
        return reply
    changes = _changes(folder, ref.mailbox.address, ref.mailbox.seq, state)
    page, more = _page(changes, previous, ignore, max_changes)
    following = SyncState(
        folder.id,
        page[-1].seq if more else ref.mailbox.seq,
        previous.initial and more,
        previous.base,
        ctx.tenant.instance,
    )
    msg = response_message(messages, "SyncFolderItemsResponseMessage")
    sub(msg, M + "SyncState", following.encode())
    sub(msg, M + "IncludesLastItemInRange", xml_bool(not more))
    box = sub(msg, M + "Changes")
    render.folder_change_keys[folder.id] = ref.change_key
    render.owner = owner_of(ref.mailbox)
    listed = [change.item for change in page if change.item is not None]
    written = iter(items_xml(listed, render, state.rendered))
    for change in page:
        _write_change(reply, box, change, previous, written, state)
    return reply


def _max_changes(el: etree._Element | None) -> int:
    try:
        value = int(el.text or "") if el is not None else 0
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CHANGES:
        # MaxSyncChangesReturnedType is xs:int restricted to 1..512 in types.xsd.
        raise EwsFault(
            "ErrorSchemaValidation",
            "The request failed schema validation: MaxChangesReturned must be between 1 and 512.",
        )
    return value


def _changes(folder: Folder, mailbox: str, seq: int, state: EwsState) -> list[_Change]:
    def build() -> list[_Change]:
        changed, gone = folder.changes_since(0)
        latest: dict[str, _Change] = {}
        for item in changed:
            target = _listed_item(folder, item)
            if target is not None:
                # A changed exception is a change of its series: the later change wins.
                known = latest.get(target.id)
                if known is None or known.seq < item.changed_seq:
                    latest[target.id] = _Change(item.changed_seq, target.id, target)
        out = list(latest.values())
        out.extend(_Change(t.deleted_seq, t.item_id, None) for t in gone)
        out.sort(key=lambda c: c.seq)
        state.note_births((folder.id, i.id, i.changed_seq) for i in changed)
        return out

    key = ("sync", mailbox, folder.id, seq, len(folder.items), len(folder.tombstones))
    return state.view(key, build)


def _listed_item(folder: Folder, item: Item) -> Item | None:
    """The folder item a change shows up as: exceptions as their series master."""
    if not is_exception(item):
        return item
    assert isinstance(item, Event) and item.series_master_id
    return folder.items.get(item.series_master_id)


def _page(
    changes: list[_Change], previous: SyncState, ignore: set[str], limit: int
) -> tuple[list[_Change], bool]:
    start = bisect.bisect_right(changes, previous.seq, key=lambda c: c.seq)
    page: list[_Change] = []
    for position in range(start, len(changes)):
        change = changes[position]
        if change.item_id in ignore:
            continue
        if change.item is None and previous.initial and change.seq <= previous.base:
            continue  # deleted before the client's first sync began: it never saw the item
        if len(page) == limit:
            return page, True
        page.append(change)
    return page, False


def _write_change(
    reply: Spliced,
    box: etree._Element,
    change: _Change,
    previous: SyncState,
    written: Iterator[bytes],
    state: EwsState,
) -> None:
    if change.item is None:
        sub(sub(box, T + "Delete"), T + "ItemId", Id=change.item_id)
        return
    is_new = previous.initial or state.born_after(
        change.item.folder_id, change.item_id, previous.seq
    )
    reply.fill(sub(box, T + ("Create" if is_new else "Update")), next(written))
