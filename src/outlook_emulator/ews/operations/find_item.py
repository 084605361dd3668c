"""FindItem: the items of a folder, filtered, sorted and paged.

Implements ``finditem-operation.md`` with ``indexedpageitemview.md``,
``calendarview.md``, ``restriction.md`` and ``sortorder.md``. FindItem
never returns bodies or attachments (the remarks of finditem-operation.md);
clients follow with GetItem. Sorted, filtered views are cached until the
mailbox changes, so paging a big folder costs one sort, not one per page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree

from outlook_emulator.ews.context import EwsContext
from outlook_emulator.ews.folders import FolderRef, folder_items, resolve
from outlook_emulator.ews.items import RenderContext, owner_of, render_item
from outlook_emulator.ews.occurrences import calendar_view
from outlook_emulator.ews.paging import FIND_COUNT_LIMIT, parse_indexed_view
from outlook_emulator.ews.restriction import parse_restriction, parse_sort, sort_items
from outlook_emulator.ews.shapes import parse_shape
from outlook_emulator.ews.soap import (
    EwsError,
    EwsFault,
    M,
    T,
    required,
    response_message,
    response_root,
    sub,
    xml_bool,
)
from outlook_emulator.ews.state import EwsState
from outlook_emulator.tenant.model import Item


def handle(ctx: EwsContext, request: etree._Element, state: EwsState) -> etree._Element:
    traversal = request.get("Traversal", "Shallow")
    if traversal not in ("Shallow", "Deep", "SoftDeleted", "Associated"):
        raise EwsFault("ErrorSchemaValidation", "The request failed schema validation: Traversal.")
    render = RenderContext(
        shape=parse_shape(required(request, "ItemShape")), find=True, version=ctx.version
    )
    response = response_root("FindItemResponse")
    messages = sub(response, M + "ResponseMessages")
    parents = required(request, "ParentFolderIds")
    for el in parents:
        try:
            ref = resolve(ctx, el)
            page, offset, total, last = _page(ref, request, traversal, state)
        except EwsError as exc:
            response_message(messages, "FindItemResponseMessage", exc)
            continue
        msg = response_message(messages, "FindItemResponseMessage")
        root = sub(
            msg,
            M + "RootFolder",
            TotalItemsInView=str(total),
            IncludesLastItemInRange=xml_bool(last),
        )
        if offset is not None:
            root.set("IndexedPagingOffset", str(offset))
        box = sub(root, T + "Items")
        if ref.folder is not None:
            render.folder_change_keys[ref.folder.id] = ref.change_key
        render.owner = owner_of(ref.mailbox)
        for item in page:
            render_item(box, item, render)
    return response


# responsecode.md, ErrorCalendarViewRangeTooBig: "currently 2 years" (a leap year's worth).
MAX_CALENDAR_VIEW = timedelta(days=2 * 366)


def _page(
    ref: FolderRef, request: etree._Element, traversal: str, state: EwsState
) -> tuple[list[Item], int | None, int, bool]:
    """The page of items, the next offset (None for CalendarView), the total, and last-page flag.

    Deep traversal is meant for search folders, which the tenant model has none of; on a
    normal folder it lists the folder's own items, as Shallow does.
    """
    calendar = request.find(M + "CalendarView")
    if calendar is not None:
        return _calendar_page(ref, calendar)
    view = parse_indexed_view(request.find(M + "IndexedPageItemView"))
    items = _view(ref, request, traversal, state)
    start, stop = view.window(len(items))
    last = view.is_last(start, stop, len(items))
    return items[start:stop], view.next_offset(start, stop), len(items), last


def _view(ref: FolderRef, request: etree._Element, traversal: str, state: EwsState) -> list[Item]:
    folder = ref.folder
    if folder is None or traversal in ("SoftDeleted", "Associated"):
        return []  # no soft-deleted or associated items in the tenant model
    restriction_el = request.find(M + "Restriction")
    sort_el = request.find(M + "SortOrder")
    restriction_key = etree.tostring(restriction_el) if restriction_el is not None else b""
    sort_spec = parse_sort(sort_el)
    key = (folder.id, ref.mailbox.seq, len(folder.items), restriction_key, sort_spec)

    def build() -> list[Item]:
        predicate = parse_restriction(restriction_el)
        items = folder_items(folder)
        if predicate is not None:
            items = [item for item in items if predicate(item)]
        return sort_items(items, sort_spec) if sort_spec else items

    return state.view(key, build)


def _calendar_page(ref: FolderRef, el: etree._Element) -> tuple[list[Item], None, int, bool]:
    if ref.folder is None or ref.folder.kind != "calendar":
        raise EwsError(
            "ErrorCalendarFolderIsInvalidForCalendarView", "The folder is not a calendar folder."
        )
    try:
        window_start = _parse_dt(el.get("StartDate", ""))
        window_end = _parse_dt(el.get("EndDate", ""))
        limit = int(el.get("MaxEntriesReturned") or FIND_COUNT_LIMIT)
    except ValueError:
        raise EwsFault(
            "ErrorSchemaValidation", "The request failed schema validation: CalendarView."
        ) from None
    if window_end < window_start:
        raise EwsError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate."
        )
    if window_end - window_start > MAX_CALENDAR_VIEW:
        raise EwsError(
            "ErrorCalendarViewRangeTooBig",
            "The CalendarView range is more than the maximum allowed, currently 2 years.",
        )
    if limit < 1:
        raise EwsError(
            "ErrorInvalidPagingMaxRows", "The maximum number of rows must be greater than zero."
        )
    events = calendar_view(ref.folder, window_start, window_end, limit + 1)
    return list(events[:limit]), None, min(len(events), limit), len(events) <= limit


def _parse_dt(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
