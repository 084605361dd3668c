"""GetItem: items by id, in one batch, in the shape asked for.

Implements ``getitem-operation.md`` (and its ``-email-message``,
``-calendar-item``, ``-contact`` and ``-task`` variants): one
``GetItemResponseMessage`` per requested id, in request order; an unknown id
gets ``ErrorItemNotFound`` (with the empty ``Items`` the schema requires)
while the others succeed.
"""

from __future__ import annotations

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.items import RenderContext, items_xml, owner_of
from outlook_emulator.ews.lookup import exceptions_of, find_exception, find_item, item_index
from outlook_emulator.ews.occurrences import is_deleted, nth_start, occurrence_id
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import (
    EwsError,
    M,
    Spliced,
    T,
    required,
    response_message,
    response_root,
    sub,
    success_around,
)
from outlook_emulator.ews.state import EwsState
from outlook_emulator.tenant.model import Event, Item, Mailbox


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> Spliced:
    render = RenderContext(
        shape=parse_shape(required(request, "ItemShape")),
        version=ctx.version,
        owner=owner_of(ctx.mailbox),
    )
    if ctx.mailbox is not None:
        exceptions = exceptions_of(ctx.mailbox, state)
        render.exceptions = lambda master_id: exceptions.get(master_id, [])
    reply = Spliced(response_root("GetItemResponse"))
    messages = sub(reply.root, M + "ResponseMessages")
    item_ids = required(request, "ItemIds")
    found = _lookup_all(ctx, item_ids, state)
    written = iter(items_xml([f for f in found if isinstance(f, Item)], render, state.rendered))
    head, tail = success_around("GetItemResponseMessage", "Items")
    run: list[bytes] = []  # successive successes, spliced in as one
    for outcome in found:
        if isinstance(outcome, EwsError):
            if run:
                reply.fill(messages, b"".join(run))
                run = []
            sub(response_message(messages, "GetItemResponseMessage", outcome), M + "Items")
        else:
            run += (head, next(written), tail)
    if run:
        reply.fill(messages, b"".join(run))
    return reply


def _lookup_all(
    ctx: EwsContext, item_ids: etree._Element, state: EwsState
) -> list[Item | EwsError]:
    """Each id's item, or the error that answers it, in request order."""
    # Most ids name stored items: one index for the batch, not one look-up of it per id.
    index = item_index(ctx.mailbox, state) if ctx.mailbox is not None else {}
    found: list[Item | EwsError] = []
    for el in item_ids:
        try:
            stored = index.get(el.get("Id", "")) if el.tag == T + "ItemId" else None
            found.append(stored if stored is not None else _lookup(ctx, el, state))
        except EwsError as exc:
            found.append(exc)
    return found


def _lookup(ctx: EwsContext, el: etree._Element, state: EwsState) -> Item:
    mailbox = ctx.mailbox_for(None)
    if el.tag == T + "ItemId":
        return find_item(mailbox, el.get("Id", ""), state)
    if el.tag == T + "RecurringMasterItemId":
        # The master of the series an occurrence (or exception) belongs to.
        item = find_item(mailbox, el.get("OccurrenceId", ""), state)
        if isinstance(item, Event) and item.series_master_id:
            return find_item(mailbox, item.series_master_id, state)
        return item
    if el.tag == T + "OccurrenceItemId":
        return _occurrence(mailbox, el, state)
    raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")


def _occurrence(mailbox: Mailbox, el: etree._Element, state: EwsState) -> Item:
    """An occurrence by series and 1-based index (``occurrenceitemid.md``)."""
    master = find_item(mailbox, el.get("RecurringMasterId", ""), state)
    if not isinstance(master, Event) or master.recurrence is None:
        raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
    try:
        index = int(el.get("InstanceIndex", ""))
    except ValueError:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.") from None
    start = nth_start(master, index) if index > 0 else None
    if start is None:
        raise EwsError(
            "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
            "Occurrence index is out of recurrence range.",
        )
    if is_deleted(master, start):
        raise EwsError(
            "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
            "Occurrence with this index was previously deleted from the recurrence.",
        )
    exception = find_exception(mailbox, master, start, state)
    return (
        exception
        if exception is not None
        else find_item(mailbox, occurrence_id(master, start), state)
    )
