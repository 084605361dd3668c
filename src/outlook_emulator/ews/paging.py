"""Paged views: ``IndexedPageItemView`` and ``IndexedPageFolderView``.

References: ``indexedpageitemview.md``, ``indexedpagefolderview.md``,
``how-to-perform-paged-searches-by-using-ews-in-exchange.md``. Offset counts
from the beginning or, with ``BasePoint="End"``, back from the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from outlook_emulator.ews.soap import EwsError, EwsFault

# EWSFindCountLimit's default: the most items one FindItem/FindFolder page returns.
FIND_COUNT_LIMIT = 1000


@dataclass
class IndexedView:
    offset: int = 0
    max_entries: int | None = None
    from_end: bool = False

    def window(self, total: int) -> tuple[int, int]:
        """The [start, stop) slice of a result of ``total`` entries."""
        size = min(self.max_entries or FIND_COUNT_LIMIT, FIND_COUNT_LIMIT)
        if self.from_end:
            stop = max(total - self.offset, 0)
            return max(stop - size, 0), stop
        start = min(self.offset, total)
        return start, min(start + size, total)

    def next_offset(self, start: int, stop: int) -> int:
        """``IndexedPagingOffset``: where the next page starts, counted from the base point."""
        return self.offset + (stop - start)

    def is_last(self, start: int, stop: int, total: int) -> bool:
        """``IncludesLastItemInRange``: whether this page reaches the far end of the view."""
        return start == 0 if self.from_end else stop >= total


def parse_indexed_view(el: etree._Element | None) -> IndexedView:
    if el is None:
        return IndexedView()
    try:
        offset = int(el.get("Offset", "0"))
        max_entries = int(el.get("MaxEntriesReturned")) if el.get("MaxEntriesReturned") else None
    except ValueError:
        raise EwsFault(
            "ErrorSchemaValidation", "The request failed schema validation: paging."
        ) from None
    # Both are schema-valid ints; responsecode.md names the error for each bad value.
    if offset < 0:
        raise EwsError(
            "ErrorInvalidIndexedPagingParameters", "The offset for indexed paging is negative."
        )
    if max_entries is not None and max_entries < 1:
        raise EwsError(
            "ErrorInvalidPagingMaxRows", "The maximum number of rows must be greater than zero."
        )
    base = el.get("BasePoint", "Beginning")
    if base not in ("Beginning", "End"):
        raise EwsFault("ErrorSchemaValidation", "The request failed schema validation: BasePoint.")
    return IndexedView(offset=offset, max_entries=max_entries, from_end=base == "End")
